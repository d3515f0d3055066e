package dev.agentvoicebox.tenants;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/** A request that cannot be served, answered as {@code {"error": {message, type, param, code}}}. */
final class ApiError extends RuntimeException {
    private final Status status;
    private final String type;
    private final String code;
    private final String param;

    ApiError(Status status, String type, String code, String message, String param) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
    }

    static ApiError invalid(String param, String message) {
        return new ApiError(Status.BAD_REQUEST_400, "invalid_request_error", "invalid_value", message, param);
    }

    static ApiError missing(String param) {
        return new ApiError(
                Status.BAD_REQUEST_400,
                "invalid_request_error",
                "missing_required_parameter",
                "Missing required parameter: '" + param + "'.",
                param);
    }

    static ApiError unknown(String param) {
        return new ApiError(
                Status.BAD_REQUEST_400,
                "invalid_request_error",
                "unknown_parameter",
                "Unknown parameter: '" + param + "'.",
                param);
    }

    static ApiError notFound(String what, String id) {
        return new ApiError(
                Status.NOT_FOUND_404, "invalid_request_error", "not_found", "No " + what + " '" + id + "'.", null);
    }

    static ApiError conflict(String message) {
        return new ApiError(Status.CONFLICT_409, "invalid_request_error", "already_exists", message, null);
    }

    static ApiError forbidden(String code, String message) {
        return new ApiError(Status.FORBIDDEN_403, "permission_error", code, message, null);
    }

    void send(ServerResponse response) {
        ObjectNode body = Json.object();
        body.putObject("error")
                .put("message", getMessage())
                .put("type", type)
                .put("param", param)
                .put("code", code);
        response.status(status);
        response.header(HeaderValues.CONTENT_TYPE_JSON);
        response.send(Json.write(body));
    }
}
