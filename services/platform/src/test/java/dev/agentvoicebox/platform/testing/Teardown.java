package dev.agentvoicebox.platform.testing;

/** Teardowns that also run after a setup which was aborted ({@link Prerequisites}) or failed half way. */
public final class Teardown {
    private Teardown() {}

    /**
     * Closes each resource that is not null, in order. The first exception is thrown once all are
     * closed, the others suppressed in it.
     */
    public static void closeAll(AutoCloseable... resources) throws Exception {
        Exception first = null;
        for (AutoCloseable resource : resources) {
            if (resource == null) {
                continue;
            }
            try {
                resource.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
