/*
 * rng.c: splitmix64 seeding, xoshiro256** generation, unbiased bounded
 * integers (rejection of the biased low range); the pair hash is inline in rng.h.
 */
#include "rng.h"

#include "util.h"

static uint64_t
rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void
ct_rng_seed(struct ct_rng *rng, uint64_t seed)
{
    uint64_t state = seed;
    int i;

    /* splitmix64: state advances by the golden ratio, each word is its mix. */
    for (i = 0; i < 4; i++, state += CT_RNG_GOLDEN)
        rng->s[i] = ct_rng_splitmix(state);
    /* splitmix64 never yields four zero words in a row, but be explicit. */
    if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0)
        rng->s[0] = 1;
}

CT_UNITTEST uint64_t
ct_rng_next(struct ct_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t
ct_rng_below(struct ct_rng *rng, uint64_t bound)
{
    /* 2^64 mod bound: the low values that would over-represent small results. */
    uint64_t threshold, x;

    if (bound == 0)
        return 0;
    threshold = (0 - bound) % bound;
    do
        x = ct_rng_next(rng);
    while (x < threshold);
    return x % bound;
}

void
ct_rng_shuffle_u32(struct ct_rng *rng, uint32_t *v, size_t n)
{
    size_t i;

    for (i = n; i > 1; i--) {
        size_t j = (size_t)ct_rng_below(rng, i);
        uint32_t t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}
