package dev.agentvoicebox.platform.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/**
 * A request that cannot be served, answered in the OpenAI REST shape
 * {@code {"error": {message, type, param, code}}}. Thrown inside an {@link Http#handler}, or sent.
 */
public final class ApiError extends RuntimeException {
    public static final String INVALID_REQUEST = "invalid_request_error";

    private final Status status;
    private final String type;
    private final String code;
    private final String param;

    public ApiError(Status status, String type, String code, String message, String param) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
    }

    public static ApiError invalid(String param, String message) {
        return new ApiError(Status.BAD_REQUEST_400, INVALID_REQUEST, "invalid_value", message, param);
    }

    public static ApiError missing(String param) {
        return new ApiError(
                Status.BAD_REQUEST_400,
                INVALID_REQUEST,
                "missing_required_parameter",
                "Missing required parameter: '" + param + "'.",
                param);
    }

    public static ApiError unknown(String param) {
        return new ApiError(
                Status.BAD_REQUEST_400,
                INVALID_REQUEST,
                "unknown_parameter",
                "Unknown parameter: '" + param + "'.",
                param);
    }

    public static ApiError notFound(String what, String id) {
        return new ApiError(Status.NOT_FOUND_404, INVALID_REQUEST, "not_found", "No " + what + " '" + id + "'.", null);
    }

    public static ApiError conflict(String message) {
        return new ApiError(Status.CONFLICT_409, INVALID_REQUEST, "already_exists", message, null);
    }

    public static ApiError forbidden(String code, String message) {
        return new ApiError(Status.FORBIDDEN_403, "permission_error", code, message, null);
    }

    public Status status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }

    public ObjectNode body() {
        ObjectNode body = Json.object();
        body.putObject("error")
                .put("message", getMessage())
                .put("type", type)
                .put("param", param)
                .put("code", code);
        return body;
    }

    public void send(ServerResponse response) {
        Http.json(response, status, body());
    }
}
