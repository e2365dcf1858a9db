package org.latentfield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.map.torch.TestModels;

/** {@code latentfield info}: the contract of models of other shapes, and a self-test that fails with the cause. */
class InfoCommandTest {
    @TempDir
    Path dir;

    @Test
    void aSequenceModelReportsItsShapesAndPassesTheSelfTest() throws Exception {
        Path model = TestModels.builder().intList("input_shape", 5, 7).eval()
                .method("def encode(self, x):\n    return x.mean(1)\n")
                .method("def decode(self, z):\n    return z.unsqueeze(1).repeat(1, 5, 1)\n").save(dir.resolve("seq.pt"));
        CliHarness r = CliHarness.run("info", "--model", model.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode o = new ObjectMapper().readTree(r.out());
        assertEquals("[5,7]", o.get("input_shape").toString());
        assertEquals("[7]", o.get("latent_shape").toString());
        assertEquals("encode output", o.get("latent_shape_source").asText());
        assertEquals("eval", o.get("saved_mode").asText());
        assertTrue(o.get("self_test").get("passed").asBoolean());
        assertTrue(o.get("engine").asText().startsWith("torch"), o.get("engine").asText());
        assertTrue(o.get("native_engine").has("reason"));
        // the GEMM provider names the kernels OpenBLAS chose (OPENBLAS_CORETYPE can force slower ones)
        assertTrue(o.get("native_gemm").asText().matches("cpu=cblas:\\S+ \\(OpenBLAS core \\w+\\) cuda=\\w+.*"), o.get("native_gemm").asText());
    }

    @Test
    void aModelThatGivesNaNFailsTheSelfTest() throws Exception {
        Path model = TestModels.builder().intList("input_shape", 4).eval()
                .method("def encode(self, x):\n    return torch.log(x - 0.5)\n")
                .method("def decode(self, z):\n    return z\n").save(dir.resolve("nan.pt"));
        CliHarness r = CliHarness.run("info", "--model", model.toString());
        assertEquals(Main.FAILED, r.code(), r.err());
        assertTrue(r.oneSentenceError() && r.err().contains("self-test failed") && r.err().contains("non-finite"), r.err());
    }
}
