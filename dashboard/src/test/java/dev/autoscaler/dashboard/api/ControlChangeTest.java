package dev.autoscaler.dashboard.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ControlChangeTest {
    @Test
    void everyFieldIsCheckedAndWrittenAsTheHashHoldsIt() throws Exception {
        var out = ControlChange.parse("{\"mode\":\"advise\",\"llm\":\"decide\",\"min\":2,\"max\":6,\"slo\":150.5,\"scale\":4}", Map.of());
        assertEquals(Map.of("mode", "advise", "llm", "decide", "min", "2", "max", "6", "slo", "150.5", "scale", "4"), out);
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "not json; the body is not JSON",
        "[1,2]; expected a JSON object with any of llm, max, min, mode, scale, slo",
        "{}; expected a JSON object with any of llm, max, min, mode, scale, slo",
        "{\"replicas\":3}; unknown field 'replicas' (llm, max, min, mode, scale, slo)",
        "{\"mode\":\"turbo\"}; mode must be one of advise, enforce, off, got \"turbo\"",
        "{\"llm\":1}; llm must be one of advise, decide, off, got 1",
        "{\"min\":-1}; min must be a whole number from 0 to 10000, got -1",
        "{\"max\":0}; max must be a whole number from 1 to 10000, got 0",
        "{\"max\":\"ten\"}; max must be a whole number from 1 to 10000, got \"ten\"",
        "{\"scale\":2.5}; scale must be a whole number from 0 to 10000, got 2.5",
        "{\"slo\":0}; slo must be a number of milliseconds above 0, got 0",
        "{\"slo\":\"fast\"}; slo must be a number of milliseconds above 0, got \"fast\"",
        "{\"min\":5,\"max\":3}; min 5 is above max 3",
    })
    void badInputIsRefusedWithItsReason(String body, String reason) {
        var e = assertThrows(ControlChange.Invalid.class, () -> ControlChange.parse(body, Map.of()));
        assertEquals(reason, e.getMessage());
    }

    @Test
    void minAndMaxAreCheckedAgainstWhatIsStored() {
        var e = assertThrows(ControlChange.Invalid.class, () -> ControlChange.parse("{\"min\":7}", Map.of("max", "6")));
        assertEquals("min 7 is above max 6", e.getMessage());
    }

    @Test
    void theTokenIsComparedWholeAndOnlyWhenConfigured() {
        AdminToken t = new AdminToken("s3cret");
        assertEquals(true, t.accepts("s3cret"));
        assertEquals(false, t.accepts("s3cre"));
        assertEquals(false, t.accepts(null));
        assertEquals(false, new AdminToken(null).accepts(""));
        assertEquals(false, new AdminToken(" ").configured());
    }
}
