package dev.agentvoicebox.platform.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Keys verified against a JWKS served over HTTP, as the gateway reads the tenants service's. */
class KeyVerifierTest {
    private HttpServer server;
    private final AtomicReference<String> jwks = new AtomicReference<>();
    private final AtomicInteger fetches = new AtomicInteger();
    private ECKey first;

    @BeforeEach
    void serveJwks() throws Exception {
        first = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
        jwks.set(new JWKSet(first.toPublicJWK()).toString());
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/.well-known/jwks.json", exchange -> {
            fetches.incrementAndGet();
            byte[] body = jwks.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI jwksUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/.well-known/jwks.json");
    }

    private static JWTClaimsSet.Builder apiKey(String jti) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer(KeyVerifier.ISSUER)
                .audience(KeyVerifier.AUDIENCE)
                .jwtID(jti)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(600)))
                .claim("kind", KeyClaims.KIND_API_KEY)
                .claim("role", "user")
                .claim("tenant", "acme")
                .claim("project", "web")
                .claim("tier", "pro");
    }

    private static String sign(ECKey key, JWTClaimsSet claims) throws JOSEException {
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    private static String code(KeyVerifier verifier, String token) {
        return assertThrows(InvalidKeyException.class, () -> verifier.verify(token))
                .code();
    }

    @Test
    void aKeySignedByTheServedSetVerifiesWithItsClaims() throws Exception {
        KeyVerifier verifier = KeyVerifier.fromJwksUrl(jwksUrl(), null, Revocations.none());
        KeyClaims claims = verifier.verify(sign(first, apiKey("key-1").build()));
        assertEquals("acme", claims.tenant());
        assertEquals("web", claims.project());
        assertEquals("user", claims.role());
        assertEquals("key-1", claims.jti());
        verifier.verify(sign(first, apiKey("key-2").build()));
        assertEquals(1, fetches.get(), "the set is cached, not fetched per key");
    }

    @Test
    void aRotatedSigningKeyIsFetchedWhenATokenNamesIt() throws Exception {
        KeyVerifier verifier = KeyVerifier.fromJwksUrl(jwksUrl(), null, Revocations.none());
        verifier.verify(sign(first, apiKey("before").build()));
        ECKey second = new ECKeyGenerator(Curve.P_256).keyID("k2").generate();
        jwks.set(new JWKSet(java.util.List.of(first.toPublicJWK(), second.toPublicJWK())).toString());
        assertEquals(
                "after", verifier.verify(sign(second, apiKey("after").build())).jti());
        assertEquals(2, fetches.get());
    }

    @Test
    void badKeysAreRefusedWithTheirReason() throws Exception {
        KeyVerifier verifier = KeyVerifier.fromJwksUrl(jwksUrl(), null, Revocations.of(Set.of("revoked-jti")));
        ECKey stranger = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
        assertEquals("bad_signature", code(verifier, sign(stranger, apiKey("x").build())));
        Instant past = Instant.now().minusSeconds(3600);
        assertEquals(
                "expired",
                code(
                        verifier,
                        sign(
                                first,
                                apiKey("old")
                                        .issueTime(Date.from(past.minusSeconds(60)))
                                        .expirationTime(Date.from(past))
                                        .build())));
        assertEquals(
                "invalid_claims",
                code(
                        verifier,
                        sign(first, apiKey("aud").audience("someone-else").build())));
        assertEquals(
                "invalid_claims",
                code(verifier, sign(first, apiKey("role").claim("role", "root").build())));
        assertEquals(
                "invalid_claims",
                code(
                        verifier,
                        KeyVerifier.CLIENT_SECRET_PREFIX
                                + sign(first, apiKey("form").build())),
                "an API key dressed as a client secret");
        assertEquals("revoked", code(verifier, sign(first, apiKey("revoked-jti").build())));
        assertEquals("malformed", code(verifier, "not-a-jwt"));
    }

    @Test
    void anUnreachableSetIsReportedAsSuch() throws Exception {
        String token = sign(first, apiKey("k").build());
        server.stop(0);
        KeyVerifier verifier = KeyVerifier.fromJwksUrl(jwksUrl(), null, Revocations.none());
        assertEquals("jwks_unavailable", code(verifier, token));
    }
}
