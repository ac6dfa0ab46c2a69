package dev.reacher.core.syntax;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ProviderSuggestionTest {

    // Upstream's get_similar_mail_provider vectors and computed examples, with the exact-match bug fixed

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "test@gmali.com,  test@gmail.com",
            "x@GMALI.COM,     x@gmail.com",
            "x@ymail.com,     x@gmail.com",
            "x@mail.com,      x@gmail.com",
            "x@email.com,     x@gmail.com",
            "x@gmail.co,      x@gmail.com",
            "x@icloud.co,     x@icloud.com",
            "x@yaho.com,      x@yahoo.com",
            "x@outlok.com,    x@outlook.com",
            "x@hotmial.com,   x@hotmail.com",
            "x@protonmai.com, x@protonmail.com",
            "x@yandx.com,     x@yandex.com",
            "Bob@Gmial.Com,   Bob@gmail.com",
    })
    void suggestsNearbyProvider(String address, String expected) {
        assertThat(ProviderSuggestion.suggest(SyntaxCheck.check(address))).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // far from every candidate
            "x@hotmail.fr", "x@yahoo.fr", "x@yandex.ru", "x@outlook.fr", "x@live.com", "x@aol.com", "x@gmx.com", "x@example.com",
            // already a provider: upstream would suggest the address itself (the fixed bug)
            "bob@gmail.com", "x@GMAIL.COM", "x@yahoo.com", "x@outlook.com", "x@hotmail.com", "x@protonmail.com",
            "x@icloud.com", "x@yandex.com", "x@Yandex.Com",
    })
    void noSuggestion(String address) {
        assertThat(ProviderSuggestion.suggest(SyntaxCheck.check(address))).isNull();
    }

    @Test
    void invalidSyntaxHasNoSuggestion() {
        assertThat(ProviderSuggestion.suggest(SyntaxDetails.invalid())).isNull();
    }

    @ParameterizedTest(name = "d({0}, {1}) = {2}")
    @CsvSource({
            "'',        '',       0",
            "'',        abc,      3",
            "kitten,    sitting,  3",
            "gmail.com, gmali.com, 2",
            "gmail.com, gmail.com, 0",
            "flaw,      lawn,     2",
    })
    void levenshtein(String a, String b, int expected) {
        assertThat(ProviderSuggestion.levenshtein(a, b)).isEqualTo(expected);
        assertThat(ProviderSuggestion.levenshtein(b, a)).isEqualTo(expected);
    }
}
