package dev.agentvoicebox.platform.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class DirectoryChangeTest {
    @Test
    void everyKindTravelsAsTheJsonTheReadmeShows() {
        assertEquals(
                "{\"change\":\"key_revoked\",\"tenant\":\"acme\",\"key\":\"key_1\"}",
                DirectoryChange.keyRevoked("acme", "key_1").toJson());
        for (DirectoryChange change : new DirectoryChange[] {
            DirectoryChange.keyRevoked("acme", "key_1"),
            DirectoryChange.tenantSuspended("acme"),
            DirectoryChange.tenantChanged("acme"),
            DirectoryChange.signingKeysChanged()
        }) {
            assertEquals(Optional.of(change), DirectoryChange.parse(change.toJson()));
        }
    }

    @Test
    void whatThisVersionDoesNotKnowIsIgnored() {
        assertTrue(DirectoryChange.parse("{\"change\":\"tenant_renamed\",\"tenant\":\"acme\"}")
                .isEmpty());
        assertTrue(DirectoryChange.parse("not json").isEmpty());
        assertTrue(DirectoryChange.parse("{}").isEmpty());
    }
}
