package dev.agentvoicebox.gateway.audio;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Silero VAD v6 through ONNX Runtime. The model takes 64 samples of context (the tail of the previous
 * frame) before each 512-sample frame at 16 kHz, plus its recurrent {@code state} [2, 1, 128] and the
 * rate {@code sr}; it returns the speech probability and the next state.
 */
public final class SileroVad implements Vad {
    public static final int CONTEXT_SAMPLES = 64;

    /** The loaded model: one ONNX session, safe to run from many threads. */
    public static final class Engine implements VadEngine {
        private final OrtEnvironment environment;
        private final OrtSession session;

        private Engine(OrtEnvironment environment, OrtSession session) {
            this.environment = environment;
            this.session = session;
        }

        /** @throws IllegalStateException when the file is not a Silero v6 model ONNX Runtime can run */
        public static Engine load(Path model) {
            try {
                OrtEnvironment environment = OrtEnvironment.getEnvironment();
                OrtSession.SessionOptions options = new OrtSession.SessionOptions();
                // One frame is tiny: extra threads cost more in hand-off than they save.
                options.setIntraOpNumThreads(1);
                options.setInterOpNumThreads(1);
                OrtSession session = environment.createSession(model.toString(), options);
                if (!session.getInputNames().equals(Set.of("input", "state", "sr"))
                        || !session.getOutputNames().containsAll(Set.of("output", "stateN"))) {
                    session.close();
                    throw new IllegalStateException(
                            model + " is not a Silero VAD v6 model (inputs " + session.getInputNames() + ")");
                }
                return new Engine(environment, session);
            } catch (OrtException e) {
                throw new IllegalStateException("cannot load the VAD model " + model + ": " + e.getMessage(), e);
            }
        }

        @Override
        public String name() {
            return "silero";
        }

        @Override
        public Vad open() {
            return new SileroVad(this);
        }

        @Override
        public void close() {
            try {
                session.close();
            } catch (OrtException e) {
                // closing only frees native memory
            }
        }
    }

    private final Engine engine;
    private final float[] input = new float[CONTEXT_SAMPLES + FRAME_SAMPLES];
    private float[] state = new float[2 * 128];

    private SileroVad(Engine engine) {
        this.engine = engine;
    }

    @Override
    public float speechProbability(float[] frame) {
        if (frame.length != FRAME_SAMPLES) {
            throw new IllegalArgumentException("Silero needs " + FRAME_SAMPLES + " samples, got " + frame.length);
        }
        System.arraycopy(frame, 0, input, CONTEXT_SAMPLES, FRAME_SAMPLES);
        OrtEnvironment env = engine.environment;
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), new long[] {1, input.length});
                OnnxTensor st = OnnxTensor.createTensor(env, FloatBuffer.wrap(state), new long[] {2, 1, 128});
                OnnxTensor sr = OnnxTensor.createTensor(env, (long) SAMPLE_RATE);
                OrtSession.Result result = engine.session.run(Map.of("input", in, "state", st, "sr", sr))) {
            float probability = ((float[][]) result.get("output").orElseThrow().getValue())[0][0];
            FloatBuffer next = ((OnnxTensor) result.get("stateN").orElseThrow()).getFloatBuffer();
            float[] nextState = new float[state.length];
            next.get(nextState);
            state = nextState;
            // The next frame's context is this frame's tail.
            System.arraycopy(frame, FRAME_SAMPLES - CONTEXT_SAMPLES, input, 0, CONTEXT_SAMPLES);
            return probability;
        } catch (OrtException e) {
            throw new IllegalStateException("VAD inference failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void reset() {
        state = new float[2 * 128];
        java.util.Arrays.fill(input, 0f);
    }
}
