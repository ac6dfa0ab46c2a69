package dev.reacher.core.misc;

import java.util.Locale;
import java.util.Set;

/** Role local parts ({@code info}, {@code support}, {@code noreply}, …) from upstream's {@code roles.txt}. */
public final class RoleAccounts {
    private RoleAccounts() {}

    private static final class Holder {
        static final Set<String> ROLES = WordList.load("roles.txt");
    }

    /** Whether the lowercased username is exactly one of the listed roles. */
    public static boolean isRole(String username) {
        return Holder.ROLES.contains(username.toLowerCase(Locale.ROOT));
    }

    /** Number of listed roles. */
    static int size() {
        return Holder.ROLES.size();
    }
}
