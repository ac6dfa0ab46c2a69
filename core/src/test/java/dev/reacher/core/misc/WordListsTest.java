package dev.reacher.core.misc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WordListsTest {

    @ParameterizedTest
    @ValueSource(strings = {"test", "TEST", "Info", "admin", "support", "noreply", "no-reply", "sales", "contact",
            "hello", "postmaster", "abuse", "webmaster"})
    void roles(String username) {
        assertThat(RoleAccounts.isRole(username)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"foo", "bob", "john", "test2", " test", "info.team", ""})
    void notRoles(String username) {
        assertThat(RoleAccounts.isRole(username)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"gmail.com", "GMAIL.COM", "Gmail.Com", "googlemail.com", "yahoo.com", "hotmail.com",
            "outlook.com", "protonmail.com", "icloud.com", "aol.com", "gmx.com", "mailinator.com", "33mail.com"})
    void b2c(String domain) {
        assertThat(B2cDomains.isB2c(domain)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"reacher.email", "mail.gmail.com", "gmail.com.", "acme-corp-internal.com", "com", ""})
    void notB2c(String domain) {
        assertThat(B2cDomains.isB2c(domain)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"33mail.com", "ok.33mail.com", "x.mail.33mail.com", "OK.33MAIL.COM", "guerrillamailblock.com",
            "mailinator.com", "yopmail.com", "sub.yopmail.com"})
    void disposable(String domain) {
        assertThat(DisposableDomains.isDisposable(domain)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"gmail.com", "bar.com", "33mail.com.example.org", "not33mail.com", "com", "", "."})
    void notDisposable(String domain) {
        assertThat(DisposableDomains.isDisposable(domain)).isFalse();
    }

    @Test
    void bundledListsAreComplete() {
        assertThat(RoleAccounts.size()).isEqualTo(944);
        assertThat(B2cDomains.size()).isEqualTo(96_640);
        assertThat(DisposableDomains.size()).isGreaterThan(50_000);
    }

    @Test
    void disposableListIsNormalised() throws Exception {
        try (InputStream in = WordList.class.getResourceAsStream("disposable_domains.txt")) {
            assertThat(in).isNotNull();
            List<String> lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList();
            assertThat(lines).allMatch(l -> l.matches("[a-z0-9-]+(\\.[a-z0-9-]+)+"), "lowercase domain with a dot");
            assertThat(lines).isSortedAccordingTo(String::compareTo).doesNotHaveDuplicates();
        }
    }

    @Test
    void missingResourceFailsLoudly() {
        assertThatThrownBy(() -> WordList.load("no-such-list.txt"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no-such-list.txt");
    }
}
