package dev.agentvoicebox.gateway;

import java.security.SecureRandom;

/** Server-generated ids in the Realtime API's style: a prefix and 22 base62 characters (under 32). */
public final class Ids {
    private static final char[] ALPHABET =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {}

    public static String session() {
        return next("sess_");
    }

    public static String event() {
        return next("event_");
    }

    public static String item() {
        return next("item_");
    }

    public static String response() {
        return next("resp_");
    }

    public static String conversation() {
        return next("conv_");
    }

    public static String call() {
        return next("call_");
    }

    public static String secret() {
        return next("ek_") + next("");
    }

    private static String next(String prefix) {
        StringBuilder id = new StringBuilder(prefix.length() + 22).append(prefix);
        for (int i = 0; i < 22; i++) {
            id.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
        }
        return id.toString();
    }
}
