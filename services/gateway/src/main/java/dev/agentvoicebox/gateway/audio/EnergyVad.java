package dev.agentvoicebox.gateway.audio;

/**
 * The fallback when the Silero model is absent: speech probability from frame loudness relative to
 * an adaptive noise floor. It cannot tell speech from other sound (a steady tone counts as speech);
 * it only keeps turn detection working offline without the model.
 *
 * <p>Probability rises linearly from 0 at 6 dB above the floor to 1 at 18 dB above it, and a frame
 * quieter than -55 dBFS is never speech. The floor follows quiet frames quickly and loud ones slowly,
 * so a speaker's voice does not become the floor.
 */
public final class EnergyVad implements Vad {
    public static final VadEngine ENGINE = new VadEngine() {
        @Override
        public String name() {
            return "energy";
        }

        @Override
        public Vad open() {
            return new EnergyVad();
        }
    };

    private static final double INITIAL_FLOOR_DB = -60;
    private static final double ABSOLUTE_MIN_DB = -55;
    private double floorDb = INITIAL_FLOOR_DB;

    @Override
    public float speechProbability(float[] frame) {
        double sum = 0;
        for (float v : frame) {
            sum += v * v;
        }
        double db = 10 * Math.log10(sum / frame.length + 1e-12);
        double above = db - floorDb;
        float p = db < ABSOLUTE_MIN_DB ? 0f : (float) Math.max(0, Math.min(1, (above - 6) / 12));
        // Rises by at most 0.1 dB a frame (about 3 dB/s) and falls at once to a quieter frame.
        floorDb = db < floorDb ? Math.max(db, -90) : Math.min(db, floorDb + 0.1);
        return p;
    }

    @Override
    public void reset() {
        // The noise floor outlives a turn: the room has not changed.
    }
}
