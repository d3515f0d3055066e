package dev.agentvoicebox.llm;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

/**
 * A real, loadable llama-architecture GGUF model of about 400 KB with seeded random
 * weights: it says nothing sensible, but llama.cpp tokenizes, templates, samples and streams with
 * it exactly as with a trained model.
 *
 * <p>The vocabulary is SentencePiece-style with byte fallback for ASCII only, plus "▁" for the
 * space, so every token it can emit is whole UTF-8 and each generated token is one streamed piece.
 */
final class TinyLlama {
    static final String NAME = "tiny-llama-test";
    private static final int EMBED = 64;
    private static final int HEADS = 4;
    private static final int FEED_FORWARD = 128;
    private static final int LAYERS = 2;

    private TinyLlama() {}

    static Path write(Path file) throws IOException {
        int vocab = 3 + 128 + 1;
        String[] tokens = new String[vocab];
        float[] scores = new float[vocab];
        int[] types = new int[vocab];
        tokens[0] = "<unk>";
        types[0] = 2; // unknown
        tokens[1] = "<s>";
        types[1] = 3; // control
        tokens[2] = "</s>";
        types[2] = 3;
        for (int b = 0; b < 128; b++) {
            tokens[3 + b] = String.format("<0x%02X>", b);
            types[3 + b] = 6; // byte
        }
        tokens[vocab - 1] = "\u2581";
        types[vocab - 1] = 1; // normal
        scores[vocab - 1] = -1f;

        GgufWriter model = new GgufWriter()
                .put("general.architecture", "llama")
                .put("general.name", NAME)
                .put("llama.context_length", 512)
                .put("llama.embedding_length", EMBED)
                .put("llama.block_count", LAYERS)
                .put("llama.feed_forward_length", FEED_FORWARD)
                .put("llama.attention.head_count", HEADS)
                .put("llama.attention.head_count_kv", HEADS)
                .put("llama.rope.dimension_count", EMBED / HEADS)
                .put("llama.attention.layer_norm_rms_epsilon", 1e-5f)
                .put("tokenizer.ggml.model", "llama")
                .put("tokenizer.ggml.tokens", tokens)
                .put("tokenizer.ggml.scores", scores)
                .put("tokenizer.ggml.token_type", types)
                .put("tokenizer.ggml.unknown_token_id", 0)
                .put("tokenizer.ggml.bos_token_id", 1)
                .put("tokenizer.ggml.eos_token_id", 2)
                .put(
                        "tokenizer.chat_template",
                        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n'"
                                + " + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
                                + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}");
        Random random = new Random(7);
        model.tensor("token_embd.weight", weights(random, EMBED * vocab, 1f), EMBED, vocab);
        model.tensor("output_norm.weight", ones(EMBED), EMBED);
        model.tensor("output.weight", weights(random, EMBED * vocab, 1f), EMBED, vocab);
        for (int layer = 0; layer < LAYERS; layer++) {
            String blk = "blk." + layer + ".";
            model.tensor(blk + "attn_norm.weight", ones(EMBED), EMBED);
            for (String projection : new String[] {"attn_q", "attn_k", "attn_v", "attn_output"}) {
                model.tensor(blk + projection + ".weight", weights(random, EMBED * EMBED, 0.1f), EMBED, EMBED);
            }
            model.tensor(blk + "ffn_norm.weight", ones(EMBED), EMBED);
            model.tensor(blk + "ffn_gate.weight", weights(random, EMBED * FEED_FORWARD, 0.1f), EMBED, FEED_FORWARD);
            model.tensor(blk + "ffn_up.weight", weights(random, EMBED * FEED_FORWARD, 0.1f), EMBED, FEED_FORWARD);
            model.tensor(blk + "ffn_down.weight", weights(random, FEED_FORWARD * EMBED, 0.1f), FEED_FORWARD, EMBED);
        }
        return model.write(file);
    }

    private static float[] weights(Random random, int count, float scale) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian() * scale;
        }
        return values;
    }

    private static float[] ones(int count) {
        float[] values = new float[count];
        java.util.Arrays.fill(values, 1f);
        return values;
    }
}
