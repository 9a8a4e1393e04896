/*
 * rng.h: the seeded random source of the pairing engine. xoshiro256** seeded
 * through splitmix64, so a stored round seed replays the same stream on every
 * machine; plus a stateless hash for values that must not depend on the order
 * in which they are asked for (the random term of a pair, say).
 */
#ifndef CT_RNG_H
#define CT_RNG_H

#include <stddef.h>
#include <stdint.h>

struct ct_rng {
    uint64_t s[4];
};

/* Seed the generator; every seed (0 included) gives a usable state. */
void ct_rng_seed(struct ct_rng *rng, uint64_t seed);

#ifdef CT_TEST_HOOKS
/* The next 64 random bits (CT_UNITTEST: callers draw through _below). */
uint64_t ct_rng_next(struct ct_rng *rng);
#endif

/* A uniform integer in [0, bound), without modulo bias; 0 when bound is 0. */
uint64_t ct_rng_below(struct ct_rng *rng, uint64_t bound);

/* Fisher-Yates shuffle of n uint32_t values in place. */
void ct_rng_shuffle_u32(struct ct_rng *rng, uint32_t *v, size_t n);

/* splitmix64's output function: a bijective 64-bit mix. */
static inline uint64_t
ct_rng_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/*
 * One splitmix64 step from state x: the golden-ratio increment, then the
 * mix. The generator's seeding, the pair hash and the slot picker's
 * tie-break all use it, so the constants exist once.
 */
#define CT_RNG_GOLDEN UINT64_C(0x9e3779b97f4a7c15) /* 2^64 / phi, splitmix64's step */

static inline uint64_t
ct_rng_splitmix(uint64_t x)
{
    return ct_rng_mix64(x + CT_RNG_GOLDEN);
}

/*
 * A well-mixed 64-bit hash of (seed, a, b): the same inputs always give the
 * same value, whatever else was drawn before. Used for per-pair randomness.
 * Inline: the pairing engine evaluates it for every pair it considers.
 */
static inline uint64_t
ct_rng_hash(uint64_t seed, uint64_t a, uint64_t b)
{
    uint64_t h = ct_rng_splitmix(seed);

    h = ct_rng_splitmix(h ^ a);
    return ct_rng_splitmix(h ^ b);
}

/* ct_rng_hash mapped to a uniform double in [0, 1). */
static inline double
ct_rng_hash_double(uint64_t seed, uint64_t a, uint64_t b)
{
    return (double)(ct_rng_hash(seed, a, b) >> 11) * 0x1.0p-53;
}

#endif
