package dev.agentvoicebox.platform.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.MalformedURLException;
import java.net.URI;
import java.text.ParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * Verifies API keys and {@code ek_} client secrets signed by the tenants service: ES256 signature
 * against the JWKS (the key is picked by {@code kid}), issuer, audience, {@code exp}, then the
 * revocation set (the key's jti, and for a client secret the jti of the key that minted it).
 *
 * <p>With a JWKS URL, nimbus caches the set and refetches it when a token names an unknown
 * {@code kid}, which is what happens right after the tenants service rotates its signing key.
 */
public final class KeyVerifier {
    public static final String ISSUER = "avb-tenants";
    public static final String AUDIENCE = "agentvoicebox";
    public static final String CLIENT_SECRET_PREFIX = "ek_";

    private final DefaultJWTProcessor<SecurityContext> processor;
    private final Revocations revocations;

    private KeyVerifier(JWKSource<SecurityContext> source, Revocations revocations) {
        this.revocations = revocations;
        this.processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.ES256, source));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(
                AUDIENCE,
                new JWTClaimsSet.Builder().issuer(ISSUER).build(),
                Set.of("jti", "exp", "iat", "role", "kind")));
    }

    /** Verifies against a fixed JWKS document (tests, or a JWKS read from the OPA bundle). */
    public static KeyVerifier fromJwks(String jwksJson, Revocations revocations) {
        try {
            return new KeyVerifier(new ImmutableJWKSet<>(JWKSet.parse(jwksJson)), revocations);
        } catch (ParseException e) {
            throw new IllegalArgumentException("not a JWKS document: " + e.getMessage(), e);
        }
    }

    /**
     * Verifies against the tenants service's {@code /.well-known/jwks.json}.
     *
     * @param ssl trust for an https URL (the dev CA locally), or null for the JVM default
     */
    public static KeyVerifier fromJwksUrl(URI jwksUrl, SSLContext ssl, Revocations revocations) {
        try {
            DefaultResourceRetriever retriever = new DefaultResourceRetriever(
                    2000, 2000, 512 * 1024, true, ssl == null ? null : ssl.getSocketFactory());
            JWKSource<SecurityContext> source = JWKSourceBuilder.create(jwksUrl.toURL(), retriever)
                    .retrying(true)
                    .build();
            return new KeyVerifier(source, revocations);
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("bad JWKS URL " + jwksUrl, e);
        }
    }

    /** The claims of a valid key or client secret ({@code ek_} prefix accepted). */
    public KeyClaims verify(String token) throws InvalidKeyException {
        if (token == null || token.isBlank()) {
            throw new InvalidKeyException("malformed", "no key");
        }
        String jwt = token.startsWith(CLIENT_SECRET_PREFIX) ? token.substring(CLIENT_SECRET_PREFIX.length()) : token;
        JWTClaimsSet claims;
        try {
            claims = processor.process(jwt, null);
        } catch (ParseException e) {
            throw new InvalidKeyException("malformed", "the key is not a signed token");
        } catch (BadJWTException e) {
            String message = e.getMessage() == null ? "" : e.getMessage();
            if (message.contains("Expired")) {
                throw new InvalidKeyException("expired", "the key has expired");
            }
            throw new InvalidKeyException("invalid_claims", "the key's claims are not valid");
        } catch (KeySourceException e) {
            throw new InvalidKeyException("jwks_unavailable", "the signing keys could not be fetched");
        } catch (BadJOSEException | JOSEException e) {
            throw new InvalidKeyException("bad_signature", "the key's signature does not verify");
        }
        try {
            KeyClaims result = toClaims(claims);
            boolean secret = result.clientSecret();
            if (secret != token.startsWith(CLIENT_SECRET_PREFIX)) {
                throw new InvalidKeyException("invalid_claims", "the key's kind does not match its form");
            }
            if (revocations.revoked(result.jti())
                    || (result.parent() != null && revocations.revoked(result.parent()))) {
                throw new InvalidKeyException("revoked", "the key has been revoked");
            }
            return result;
        } catch (ParseException | ClassCastException e) {
            throw new InvalidKeyException("invalid_claims", "the key's claims are not valid");
        }
    }

    private static KeyClaims toClaims(JWTClaimsSet c) throws ParseException {
        List<String> scopes = c.getStringListClaim("scopes");
        Map<String, Object> session = c.getJSONObjectClaim("session");
        String kind = c.getStringClaim("kind");
        if (!KeyClaims.KIND_API_KEY.equals(kind) && !KeyClaims.KIND_CLIENT_SECRET.equals(kind)) {
            throw new ParseException("kind", 0);
        }
        String role = c.getStringClaim("role");
        if (!new HashSet<>(List.of("admin", "user", "readonly", KeyClaims.ROLE_PLATFORM_ADMIN)).contains(role)) {
            throw new ParseException("role", 0);
        }
        if (c.getStringClaim("tenant") == null && !KeyClaims.ROLE_PLATFORM_ADMIN.equals(role)) {
            throw new ParseException("tenant", 0);
        }
        return new KeyClaims(
                c.getStringClaim("tenant"),
                c.getStringClaim("project"),
                role,
                c.getStringClaim("tier"),
                scopes == null ? List.of() : List.copyOf(scopes),
                c.getJWTID(),
                c.getExpirationTime().toInstant(),
                kind,
                c.getStringClaim("parent"),
                session == null ? Map.of() : session);
    }
}
