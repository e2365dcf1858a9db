// lf_fixed_point_step_cpu against a naive reference that follows the header's definition
// literally, over random batches (printed seeds) that include NaN, Inf, huge norms, exact
// ties with the tolerance, rows at the iteration cap and trajectory recording.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "latentfield/lf.h"

namespace {

int failures = 0;

#define CHECK(cond, ...)                                        \
    do {                                                        \
        if (!(cond)) {                                          \
            ++failures;                                         \
            std::fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            std::fprintf(stderr, __VA_ARGS__);                  \
            std::fprintf(stderr, "\n");                         \
        }                                                       \
    } while (0)

struct Case {
    int64_t n_total, n_active, dim;
    std::vector<float> z_prev, z_next;
    std::vector<int32_t> row_id, iterations;
    std::vector<float> step_sq, endpoints, traj;
    std::vector<int8_t> state;
    lf_stop_rule rule;
    int32_t record_every, n_slots;
};

// The definition, one quantity at a time.
void naive(Case& c, std::vector<int32_t>& keep, std::vector<float>& z_out, int64_t& n_keep) {
    const int64_t d = c.dim;
    std::vector<double> step(c.n_active), norm(c.n_active);
    std::vector<bool> finite(c.n_active, true);
    for (int64_t i = 0; i < c.n_active; ++i) {
        double s = 0, n = 0;
        for (int64_t j = 0; j < d; ++j) {
            double a = c.z_next[i * d + j], b = c.z_prev[i * d + j];
            s += (a - b) * (a - b);
            n += a * a;
            if (!std::isfinite(a)) finite[i] = false;
        }
        step[i] = s;
        norm[i] = std::sqrt(n);
    }
    std::vector<int32_t> ids = c.row_id;
    n_keep = 0;
    for (int64_t i = 0; i < c.n_active; ++i) {
        int32_t g = ids[i];
        int32_t t = ++c.iterations[g];
        c.step_sq[g] = static_cast<float>(step[i]);
        int8_t s = LF_POINT_ACTIVE;
        if (!finite[i] || !std::isfinite(step[i]) || norm[i] > c.rule.divergence_bound) s = LF_POINT_DIVERGED;
        else if (step[i] < c.rule.tol) s = LF_POINT_CONVERGED;
        else if (t >= c.rule.max_iter) s = LF_POINT_CAPPED;
        c.state[g] = s;
        if (!c.traj.empty()) {
            for (int32_t slot = 0; slot < c.n_slots; ++slot) {
                bool exact = (slot * c.record_every == t);
                bool after = (s != LF_POINT_ACTIVE) && slot * c.record_every > t;
                if (exact || after)
                    for (int64_t j = 0; j < d; ++j) c.traj[(g * c.n_slots + slot) * d + j] = c.z_next[i * d + j];
            }
        }
        if (s == LF_POINT_ACTIVE) {
            keep[n_keep] = static_cast<int32_t>(i);
            c.row_id[n_keep] = g;
            for (int64_t j = 0; j < d; ++j) z_out[n_keep * d + j] = c.z_next[i * d + j];
            ++n_keep;
        } else {
            for (int64_t j = 0; j < d; ++j) c.endpoints[g * d + j] = c.z_next[i * d + j];
        }
    }
}

Case make_case(std::mt19937_64& rng, bool with_traj) {
    std::uniform_int_distribution<int64_t> dn(1, 300), dd(1, 40);
    std::normal_distribution<float> normal(0.f, 1.f);
    std::uniform_real_distribution<double> u(0, 1);
    Case c;
    c.n_total = dn(rng) + 10;
    c.dim = dd(rng);
    c.n_active = std::uniform_int_distribution<int64_t>(0, c.n_total)(rng);
    c.rule = {std::pow(10.0, -6 + 4 * u(rng)), static_cast<int32_t>(1 + dn(rng) % 20), 50.0 + 100 * u(rng)};
    c.record_every = static_cast<int32_t>(1 + dn(rng) % 4);
    c.n_slots = c.rule.max_iter / c.record_every + 1;
    std::vector<int32_t> perm(c.n_total);
    for (int32_t i = 0; i < c.n_total; ++i) perm[i] = i;
    std::shuffle(perm.begin(), perm.end(), rng);
    c.row_id.assign(perm.begin(), perm.begin() + c.n_active);
    c.iterations.assign(c.n_total, 0);
    for (auto g : c.row_id) c.iterations[g] = static_cast<int32_t>(dn(rng) % c.rule.max_iter);
    c.step_sq.assign(c.n_total, -1.f);
    c.state.assign(c.n_total, LF_POINT_ACTIVE);
    c.endpoints.assign(c.n_total * c.dim, -7.f);
    if (with_traj) c.traj.assign(c.n_total * c.n_slots * c.dim, -9.f);
    c.z_prev.resize(c.n_active * c.dim);
    c.z_next.resize(c.n_active * c.dim);
    const float inf = std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < c.n_active; ++i) {
        double kind = u(rng);
        float scale = static_cast<float>(std::sqrt(c.rule.tol / static_cast<double>(c.dim)));
        for (int64_t j = 0; j < c.dim; ++j) {
            float p = normal(rng);
            c.z_prev[i * c.dim + j] = p;
            float n;
            if (kind < 0.3) n = p + 0.3f * scale * normal(rng);          // converging step
            else if (kind < 0.4) n = p;                                  // exact fixed point
            else if (kind < 0.5) n = p * 200.f;                          // beyond the bound
            else n = p + normal(rng);                                    // still moving
            c.z_next[i * c.dim + j] = n;
        }
        if (kind > 0.95) c.z_next[i * c.dim] = (kind > 0.975) ? std::nanf("") : inf;
    }
    return c;
}

void run_case(uint64_t seed, bool with_traj, bool with_out) {
    std::mt19937_64 rng(seed);
    Case a = make_case(rng, with_traj);
    Case b = a;
    std::vector<int32_t> keep_a(a.n_active + 1, -1), keep_b(a.n_active + 1, -1);
    std::vector<float> out_a(a.n_active * a.dim + 1, 0.f), out_b(a.n_active * a.dim + 1, 0.f);
    int64_t n_keep_a = -1, n_keep_b = -1;
    lf_status st = lf_fixed_point_step_cpu(
        a.n_active, a.dim, a.z_prev.data(), a.z_next.data(), &a.rule, a.row_id.data(),
        a.iterations.data(), a.step_sq.data(), a.state.data(), a.endpoints.data(),
        with_traj ? a.traj.data() : nullptr, a.record_every, a.n_slots, keep_a.data(),
        with_out ? out_a.data() : nullptr, &n_keep_a);
    CHECK(st == LF_OK, "seed %llu: status %d (%s)", (unsigned long long)seed, st, lf_last_error());
    naive(b, keep_b, out_b, n_keep_b);
    CHECK(n_keep_a == n_keep_b, "seed %llu: n_keep %lld vs %lld", (unsigned long long)seed, (long long)n_keep_a, (long long)n_keep_b);
    CHECK(a.state == b.state, "seed %llu: states differ", (unsigned long long)seed);
    CHECK(a.iterations == b.iterations, "seed %llu: iteration counters differ", (unsigned long long)seed);
    CHECK(std::memcmp(a.step_sq.data(), b.step_sq.data(), a.step_sq.size() * sizeof(float)) == 0,
          "seed %llu: step norms differ", (unsigned long long)seed);
    CHECK(std::memcmp(a.endpoints.data(), b.endpoints.data(), a.endpoints.size() * sizeof(float)) == 0,
          "seed %llu: endpoints differ", (unsigned long long)seed);
    for (int64_t i = 0; i < n_keep_a && n_keep_a == n_keep_b; ++i) {
        CHECK(keep_a[i] == keep_b[i] && a.row_id[i] == b.row_id[i], "seed %llu: compaction order differs at %lld",
              (unsigned long long)seed, (long long)i);
    }
    if (with_out && n_keep_a == n_keep_b)
        CHECK(std::memcmp(out_a.data(), out_b.data(), n_keep_a * a.dim * sizeof(float)) == 0,
              "seed %llu: compacted rows differ", (unsigned long long)seed);
    if (with_traj)
        CHECK(std::memcmp(a.traj.data(), b.traj.data(), a.traj.size() * sizeof(float)) == 0,
              "seed %llu: trajectories differ", (unsigned long long)seed);
}

// Hand-computed cases: the tie step == tol is not converged; the cap; the bound.
void run_exact_cases() {
    lf_stop_rule rule{0.25, 3, 10.0};
    const float prev[] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
    const float next[] = {0.5f, 0.f,    // step 0.25 == tol: not converged, t=1 < cap: active
                          0.4f, 0.f,    // step 0.16 < tol: converged
                          0.f, 10.5f,   // norm 10.5 > 10: diverged
                          3.f, 4.f};    // step 25, t reaches cap 3: capped
    int32_t row_id[] = {0, 1, 2, 3}, iterations[] = {0, 0, 0, 2}, keep[4];
    float step_sq[4], endpoints[8] = {0};
    int8_t state[4] = {0, 0, 0, 0};
    int64_t n_keep = 0;
    lf_status st = lf_fixed_point_step_cpu(4, 2, prev, next, &rule, row_id, iterations, step_sq, state,
                                           endpoints, nullptr, 0, 0, keep, nullptr, &n_keep);
    CHECK(st == LF_OK, "exact: status %d", st);
    CHECK(n_keep == 1 && keep[0] == 0 && row_id[0] == 0, "exact: only row 0 stays active (n_keep %lld)", (long long)n_keep);
    CHECK(state[0] == LF_POINT_ACTIVE && state[1] == LF_POINT_CONVERGED && state[2] == LF_POINT_DIVERGED &&
              state[3] == LF_POINT_CAPPED, "exact: states %d %d %d %d", state[0], state[1], state[2], state[3]);
    CHECK(iterations[0] == 1 && iterations[3] == 3, "exact: iterations %d %d", iterations[0], iterations[3]);
    CHECK(std::fabs(step_sq[1] - 0.16f) < 1e-7f && step_sq[3] == 25.f, "exact: step norms %g %g", step_sq[1], step_sq[3]);
    CHECK(endpoints[2] == 0.4f && endpoints[7] == 4.f, "exact: endpoints");
}

}  // namespace

int main() {
    run_exact_cases();
    const uint64_t base = 20261123;
    for (uint64_t s = 0; s < 400; ++s) run_case(base + s, (s % 3) != 0, (s % 2) == 0);
    if (failures) {
        std::fprintf(stderr, "%d check(s) failed (seeds from %llu)\n", failures, (unsigned long long)base);
        return 1;
    }
    std::printf("lf_fixed_point_step_cpu matches the naive reference on 400 random batches (seeds %llu..%llu) and the exact cases\n",
                (unsigned long long)base, (unsigned long long)(base + 399));
    return 0;
}
