package dev.reacher.core.misc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.core.json.ReacherJson;
import org.junit.jupiter.api.Test;

class MiscDetailsTest {

    @Test
    void defaultsSerialiseAsUpstream() {
        // Upstream's misc object of an early return (bad syntax or no MX).
        assertThat(ReacherJson.write(MiscDetails.defaults())).isEqualTo(
                "{\"is_disposable\":false,\"is_role_account\":false,\"is_b2c\":false,\"gravatar_url\":null,"
                        + "\"haveibeenpwned\":null}");
    }

    @Test
    void filledInSerialisesInKeyOrder() {
        assertThat(ReacherJson.write(new MiscDetails(true, true, false, "https://g/x", false))).isEqualTo(
                "{\"is_disposable\":true,\"is_role_account\":true,\"is_b2c\":false,\"gravatar_url\":\"https://g/x\","
                        + "\"haveibeenpwned\":false}");
    }

    @Test
    void jsonRoundTrips() throws Exception {
        MiscDetails original = new MiscDetails(false, true, true, "https://www.gravatar.com/avatar/abc", true);
        assertThat(ReacherJson.mapper().readValue(ReacherJson.write(original), MiscDetails.class)).isEqualTo(original);
        assertThat(ReacherJson.mapper().readValue(ReacherJson.write(MiscDetails.defaults()), MiscDetails.class))
                .isEqualTo(MiscDetails.defaults());
    }
}
