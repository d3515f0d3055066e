package dev.agentvoicebox.gateway.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The load drivers' command lines, without a stack: what they accept, and exit 2 for what they do not. */
class BenchCliTest {
    private record Run(int status, String err) {}

    private static Run execute(Object cli, String... args) {
        StringWriter err = new StringWriter();
        int status = new CommandLine(cli)
                .setErr(new PrintWriter(err))
                .setOut(new PrintWriter(new StringWriter()))
                .execute(args);
        return new Run(status, err.toString());
    }

    @Test
    void realtimeOptionsTakeBothSpellingsAndKeepTheirDefaults() {
        RealtimeBench.Cli cli = new RealtimeBench.Cli();
        new CommandLine(cli).parseArgs("--sessions=7", "--turns", "2");
        assertEquals(7, cli.sessions);
        assertEquals(2, cli.turns);
        assertEquals(5, cli.roundTrips);
        assertEquals(180, cli.deadlineSeconds);
        assertEquals(50, cli.connectConcurrency);
        assertEquals(2000, cli.settleMillis);
    }

    @Test
    void voiceOptionsKeepTheirDefaults() {
        VoiceBench.Cli cli = new VoiceBench.Cli();
        new CommandLine(cli).parseArgs("--voice", "echo");
        assertEquals(8, cli.sessions);
        assertEquals(500, cli.silenceMillis);
        assertEquals("hello world what is the weather today", cli.question);
        assertEquals("echo", cli.voice);
    }

    @Test
    void outOfRangeMisspeltOrMalformedOptionsAreUsageErrors() {
        Run range = execute(new RealtimeBench.Cli(), "--sessions", "0");
        assertEquals(2, range.status());
        assertTrue(range.err().contains("--sessions must be within 1..5000, not 0"), range.err());
        assertTrue(range.err().contains("Usage: RealtimeBench"), range.err());

        Run voiceRange = execute(new VoiceBench.Cli(), "--sessions", "65");
        assertEquals(2, voiceRange.status());
        assertTrue(voiceRange.err().contains("--sessions must be within 1..64, not 65"), voiceRange.err());

        Run misspelt = execute(new RealtimeBench.Cli(), "--sesions", "5");
        assertEquals(2, misspelt.status());
        assertTrue(misspelt.err().contains("Unknown options: '--sesions'"), misspelt.err());

        assertEquals(2, execute(new RealtimeBench.Cli(), "--turns", "three").status());
        assertEquals(2, execute(new VoiceBench.Cli(), "--turns").status());
    }

    @Test
    void helpExitsZero() {
        assertEquals(0, execute(new RealtimeBench.Cli(), "--help").status());
        assertEquals(0, execute(new VoiceBench.Cli(), "-h").status());
    }
}
