package dev.reacher.core.proxy;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Rendezvous (highest random weight) hashing: score every candidate with a hash of (domain, id)
 * and take the highest. A domain keeps its proxy while that proxy is usable.
 */
final class StickyStrategy implements ProxySelectionStrategy.ProxySelector {
    static final StickyStrategy INSTANCE = new StickyStrategy();

    private StickyStrategy() {}

    @Override
    public PoolProxy select(List<PoolProxy> candidates, ProxySelectionStrategy.PickContext context) {
        PoolProxy best = null;
        long bestScore = 0;
        for (PoolProxy p : candidates) {
            long score = score(context.domain(), p.id());
            if (best == null || Long.compareUnsigned(score, bestScore) > 0) {
                best = p;
                bestScore = score;
            }
        }
        return best;
    }

    /** 64-bit FNV-1a over "domain\0id", finished with a murmur3 mix for a good spread. */
    static long score(String domain, String id) {
        long h = 0xcbf29ce484222325L;
        for (byte b : (domain + '\0' + id).getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
