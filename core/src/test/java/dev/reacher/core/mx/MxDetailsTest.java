package dev.reacher.core.mx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reacher.core.json.ReacherJson;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MxDetailsTest {

    @Test
    void foundListsExchangesInAnswerOrder() {
        MxLookup found = new MxLookup.Found(List.of(
                new MxRecord(20, "alt.example.test."), new MxRecord(5, "mx.example.test.")));

        assertThat(ReacherJson.write(MxDetails.of(found)))
                .isEqualTo("{\"accepts_mail\":true,\"records\":[\"alt.example.test.\",\"mx.example.test.\"]}");
    }

    @Test
    void noRecordsIsTheDefault() {
        assertThat(ReacherJson.write(MxDetails.of(new MxLookup.NoRecords())))
                .isEqualTo("{\"accepts_mail\":false,\"records\":[]}");
        assertThat(MxDetails.defaults()).isEqualTo(MxDetails.of(new MxLookup.NoRecords()));
        assertThat(ReacherJson.write(MxDetails.defaults())).isEqualTo("{\"accepts_mail\":false,\"records\":[]}");
    }

    @Test
    void nullMxAcceptsNoMail() {
        assertThat(ReacherJson.write(MxDetails.of(new MxLookup.NullMx())))
                .isEqualTo("{\"accepts_mail\":false,\"records\":[\".\"]}");
    }

    @Test
    void failuresUseTheErrorForm() {
        assertThat(ReacherJson.write(MxDetails.of(MxLookup.Failed.resolveError("request timed out"))))
                .isEqualTo("{\"error\":{\"type\":\"ResolveError\",\"message\":\"request timed out\"}}");
        assertThat(ReacherJson.write(MxDetails.of(MxLookup.Failed.ioError("no DNS servers"))))
                .isEqualTo("{\"error\":{\"type\":\"IoError\",\"message\":\"no DNS servers\"}}");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"accepts_mail\":true,\"records\":[\"b.test.\",\"a.test.\"]}",
        "{\"accepts_mail\":false,\"records\":[]}",
        "{\"accepts_mail\":false,\"records\":[\".\"]}",
        "{\"error\":{\"type\":\"ResolveError\",\"message\":\"request timed out\"}}",
    })
    void readsBackWhatItWrites(String json) throws Exception {
        MxDetails read = ReacherJson.mapper().readValue(json, MxDetails.class);

        assertThat(ReacherJson.write(read)).isEqualTo(json);
    }

    @Test
    void failedOnlyTakesUpstreamsErrorTypes() {
        assertThatThrownBy(() -> new MxLookup.Failed("Timeout", "x")).isInstanceOf(IllegalArgumentException.class);
    }
}
