package dev.agentvoicebox.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class ScriptedEngineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOOLS = """
            [{"type":"function","function":{"name":"get_weather","parameters":{"type":"object",
              "properties":{"city":{"type":"string"},"metric":{"type":"boolean"}}}}},
             {"type":"function","function":{"name":"lookup_order","parameters":{"type":"object",
              "properties":{"order_id":{"type":"string"}},"required":["order_id"]}}}]""";

    private final ScriptedEngine engine = new ScriptedEngine(JSON, 0);

    private Recorder run(String user, String toolChoice) throws Exception {
        ObjectNode request = JSON.createObjectNode();
        request.putArray("messages").addObject().put("role", "user").put("content", user);
        request.set("tools", JSON.readTree(TOOLS));
        if (toolChoice != null) {
            request.set("tool_choice", JSON.readTree(toolChoice));
        }
        Recorder out = new Recorder();
        engine.stream(request, out, out);
        return out;
    }

    @Test
    void sameInputSameOutput() throws Exception {
        Recorder a = run("Check the weather for Berlin please", null);
        Recorder b = run("Check the weather for Berlin please", null);
        assertEquals(a.pieces, b.pieces);
        assertEquals("get_weather", a.pieces.get(0).name());
        assertEquals("{\"city\":\"Berlin\",\"metric\":false}", a.arguments(0));
    }

    @Test
    void toolChoiceDecidesWhetherAToolIsCalled() throws Exception {
        assertEquals(
                "text",
                run("Check the weather for Berlin", "\"none\"").pieces.get(0).kind());
        assertEquals("text", run("Tell me a joke", "\"auto\"").pieces.get(0).kind());
        Recorder required = run("Tell me a joke", "\"required\"");
        assertEquals("get_weather", required.pieces.get(0).name());
        Recorder named = run("Where is my parcel?", "{\"type\":\"function\",\"function\":{\"name\":\"lookup_order\"}}");
        assertEquals("lookup_order", named.pieces.get(0).name());
        assertEquals("{\"order_id\":\"Where is my parcel?\"}", named.arguments(0));
        assertEquals(
                "lookup_order",
                run("Status of order 12345?", null).pieces.get(0).name());
    }

    @Test
    void saysTheSentencesBeforeTheLastThenCallsTheTool() throws Exception {
        Recorder out = run("Thanks for your help. Is it warm? Check the weather for Berlin please.", null);
        assertEquals(
                "[offline scripted agent] No language model is configured, so I echo you."
                        + " You said: Thanks for your help. Is it warm?",
                out.text());
        int firstCall = out.pieces.indexOf(out.pieces.stream()
                .filter(p -> p.kind().equals("tool"))
                .findFirst()
                .orElseThrow());
        assertTrue(
                out.pieces.subList(0, firstCall).stream().allMatch(p -> p.kind().equals("text")));
        assertEquals("get_weather", out.pieces.get(firstCall).name());
        assertEquals("{\"city\":\"Berlin\",\"metric\":false}", out.arguments(0));
        assertEquals(
                "tool", run("Check the weather for Berlin.", null).pieces.get(0).kind());
    }

    @Test
    void echoesTheUserAndSaysItIsTheScriptedAgent() throws Exception {
        Recorder out = run("Good morning", "\"none\"");
        assertTrue(out.text().startsWith("[offline scripted agent] "), out.text());
        assertTrue(out.text().endsWith("You said: Good morning"), out.text());
    }

    @Test
    void takesTheWordsAfterAPreposition() {
        assertEquals("New York", ScriptedEngine.valueFrom("What's the weather in New York?"));
        assertEquals("paris", ScriptedEngine.valueFrom("weather for paris"));
        assertEquals("hello there", ScriptedEngine.valueFrom("hello there"));
    }
}
