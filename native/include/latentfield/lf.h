/*
 * latentfield C API.
 *
 * Conventions
 *  - Every entry point returns an lf_status. LF_OK is 0; any other value means the call did
 *    nothing observable to its outputs beyond what its comment says, and lf_last_error()
 *    returns a one-sentence message describing the failure.
 *  - No C++ exception ever crosses this boundary: every entry point catches everything.
 *  - Threading: entry points are reentrant. The last-error message is thread-local, so read
 *    it on the thread that made the failing call, before that thread's next call.
 *  - Memory layout: matrices are dense, row-major (C order), float32 unless stated, with the
 *    row stride equal to the number of columns. Index arrays are int32 (row ids never exceed
 *    2^31 - 1). The caller owns every buffer passed in; the library never keeps a pointer
 *    past the return of the call and never allocates memory the caller must free.
 *  - Cancellation: lf_cancel_request() makes the long calls of the whole process (the fused
 *    fixed-point loops between steps, every chunk of the multi-threaded kernels) return
 *    LF_CANCELLED until lf_cancel_clear(); see the section "Cancellation" below.
 *  - CPU entry points carry the suffix _cpu. Their CUDA twins (suffix _cuda) take the same
 *    arguments, all pointing to device memory, plus a cudaStream_t passed as void*.
 */
#ifndef LATENTFIELD_LF_H
#define LATENTFIELD_LF_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define LF_API __declspec(dllexport)
#else
#define LF_API __attribute__((visibility("default")))
#endif

typedef enum lf_status {
    LF_OK = 0,
    LF_ERR_INVALID_ARGUMENT = 1, /* a null pointer, a negative size, an out-of-range option */
    LF_ERR_OUT_OF_MEMORY = 2,
    LF_ERR_NO_DEVICE = 3,        /* a CUDA entry point was called where no CUDA device exists */
    LF_ERR_CUDA = 4,             /* the CUDA runtime reported an error */
    LF_ERR_INTERNAL = 5,         /* a bug: please report it with the message */
    LF_CANCELLED = 6             /* lf_cancel_request() stopped the call; its outputs are partly written */
} lf_status;

/* Per-point state of the batched fixed-point iteration z_{t+1} = f(z_t). */
typedef enum lf_point_state {
    LF_POINT_ACTIVE = 0,     /* still iterating */
    LF_POINT_CONVERGED = 1,  /* met ||z_t - z_{t-1}||^2 < tol at t = iterations */
    LF_POINT_CAPPED = 2,     /* applied f max_iter times without meeting the rule */
    LF_POINT_DIVERGED = 3    /* an iterate became non-finite or its norm exceeded the bound */
} lf_point_state;

/* The stopping rule (PAPER.md section 2). */
typedef struct lf_stop_rule {
    double tol;              /* converged when ||z_t - z_{t-1}||_2^2 < tol; tol > 0 */
    int32_t max_iter;        /* at most this many applications of f; max_iter >= 1 */
    double divergence_bound; /* diverged when ||z_t||_2 > divergence_bound; > 0, may be +inf */
} lf_stop_rule;

/* The message of the last failed call on this thread ("" when none). Never NULL. */
LF_API const char* lf_last_error(void);

/* Library version as "MAJOR.MINOR.PATCH". Never NULL. */
LF_API const char* lf_version(void);

/* Number of CUDA devices this library can use: 0 when it was built without CUDA, when no
 * driver is installed, or when no device is visible. Never fails for lack of a GPU. */
LF_API lf_status lf_cuda_device_count(int32_t* count);

/* ---------------------------------------------------------------------------------------
 * Cancellation. One process-wide flag, for a caller that must stop work in flight (a CLI on
 * SIGINT or SIGTERM: it must not exit, and so run the libraries' exit-time destructors, while
 * a thread is still inside liblf or its BLAS). While the flag is set, the fused fixed-point
 * loops (lf_mlp_fixed_points_*) check it before every step, and every chunk of the
 * multi-threaded CPU kernels checks it before it starts; they stop and return LF_CANCELLED
 * with their outputs partly written (a caller discards them), so a call returns within one
 * step or one chunk. Such calls that begin while the flag is set return LF_CANCELLED at their
 * first check, until lf_cancel_clear(): clear it before each new run. lf_cancel_request and lf_cancel_clear are
 * a lock-free atomic store each: async-signal-safe, callable from any thread or a signal
 * handler. They never fail.
 * ------------------------------------------------------------------------------------- */
LF_API lf_status lf_cancel_request(void);
LF_API lf_status lf_cancel_clear(void);
/* *requested = 1 while the flag is set, else 0. */
LF_API lf_status lf_cancel_requested(int32_t* requested);

/*
 * Bookkeeping of one step of the batched fixed-point iteration, for the n_active rows that
 * were still moving. Row i of z_prev is z_{t-1} and row i of z_next is z_t = f(z_{t-1}) for
 * the point whose global id is row_id[i]. For every active row, in order:
 *
 *   iterations[g] += 1                            (t = iterations[g] after the increment)
 *   step_sq[g]     = sum_j (z_next[i,j] - z_prev[i,j])^2   (accumulated in double)
 *   state[g]       = DIVERGED   if z_next[i,:] has a NaN/Inf, step_sq is not finite,
 *                               or ||z_next[i,:]||_2 > rule->divergence_bound
 *                    CONVERGED  else if step_sq[g] < rule->tol
 *                    CAPPED     else if t >= rule->max_iter
 *                    ACTIVE     otherwise
 *
 * Rows that stopped (state != ACTIVE) have z_next[i,:] written to endpoints[g,:]. Rows
 * still active are compacted, keeping their order: keep[0..*n_keep) receives their
 * positions i, row_id[0..*n_keep) their global ids (row_id is updated in place), and,
 * when z_out is not NULL, z_out[0..*n_keep) receives their rows of z_next (z_out must not
 * overlap z_prev or z_next).
 *
 * When traj is not NULL the trajectory z_0, z_R, z_2R, ... of each point is recorded with
 * R = record_every >= 1 into traj[g, s, :] (n_slots slots per point, slot s holds z_{sR}):
 * z_t goes to slot t / R when t % R == 0 and t / R < n_slots; when a row stops at t, every
 * later slot (t / R + 1 .. n_slots - 1) is filled with its endpoint, so that a finished
 * trajectory holds its final point. Slot 0 (the start) is the caller's to fill.
 *
 * iterations, step_sq, state, endpoints and traj are indexed by global id; the caller sizes
 * them for the largest id. Rows of state must be ACTIVE on entry. On error nothing is
 * written.
 */
LF_API lf_status lf_fixed_point_step_cpu(
    int64_t n_active, int64_t dim,
    const float* z_prev, const float* z_next,
    const lf_stop_rule* rule,
    int32_t* row_id, int32_t* iterations, float* step_sq, int8_t* state,
    float* endpoints,
    float* traj, int32_t record_every, int32_t n_slots,
    int32_t* keep, float* z_out, int64_t* n_keep);

/* ---------------------------------------------------------------------------------------
 * CUDA device memory and streams. Thin wrappers over the statically linked CUDA runtime so
 * that callers without a CUDA toolkit (the JVM) can feed the _cuda entry points. Without
 * CUDA (or without a device) they return LF_ERR_NO_DEVICE. A stream of NULL is the default
 * stream. Copies are asynchronous on the stream; call lf_cuda_stream_synchronize before
 * reading a host destination.
 * ------------------------------------------------------------------------------------- */
LF_API lf_status lf_cuda_malloc(void** ptr, int64_t bytes);
LF_API lf_status lf_cuda_free(void* ptr); /* NULL is a no-op */
LF_API lf_status lf_cuda_copy_to_device(void* dst, const void* src, int64_t bytes, void* stream);
LF_API lf_status lf_cuda_copy_to_host(void* dst, const void* src, int64_t bytes, void* stream);
LF_API lf_status lf_cuda_stream_create(void** stream);
LF_API lf_status lf_cuda_stream_destroy(void* stream); /* NULL is a no-op */
LF_API lf_status lf_cuda_stream_synchronize(void* stream);

/* ---------------------------------------------------------------------------------------
 * GEMM providers. Kernels multiply matrices through a provider chosen at run time, so that
 * the library links no BLAS: lf_blas_open dlopens a CBLAS library (the JVM passes the
 * OpenBLAS of the JavaCPP preset; native drivers pass a system one) and takes its
 * cblas_sgemm; until then a built-in blocked GEMM is used. lf_cublas_open does the same
 * for cuBLAS (the JavaCPP CUDA preset's libcublas, or the toolkit's); until then the CUDA
 * twins use a built-in tiled kernel. Both are process-wide and thread-safe; opening again
 * replaces the provider. lf_gemm_provider writes a static string naming the providers,
 * e.g. "cpu=cblas:/path/libopenblas.so.0 cuda=builtin".
 * ------------------------------------------------------------------------------------- */
LF_API lf_status lf_blas_open(const char* path);
LF_API lf_status lf_cublas_open(const char* path);
LF_API lf_status lf_gemm_provider(const char** description);

/* ---------------------------------------------------------------------------------------
 * Distances. Metrics: Euclidean d(x, y) = ||x - y||_2; cosine d(x, y) = 1 - cos(x, y), with
 * cos = 0 when either vector is zero. Distances are accumulated in double from the inputs
 * (candidates are screened with a float GEMM, winners are recomputed exactly).
 * NaN / Inf (the same in the CPU and CUDA twins): a row with a NaN or Inf entry has no
 * distance to anything. A non-finite row of the set / reference is never chosen as a
 * neighbour (the finite rows decide alone, as if it were absent); a non-finite query row
 * has no neighbour. These are defined results, not errors: the call succeeds.
 * ------------------------------------------------------------------------------------- */
typedef enum lf_metric { LF_METRIC_EUCLIDEAN = 0, LF_METRIC_COSINE = 1 } lf_metric;

/* For each row x_i of x (n x dim): index[i] = argmin_j d(x_i, set_j) over the m rows of set
 * (ties: the lower j) and distance[i] = that minimum. m >= 1. Over finite rows of the set
 * only; index[i] = -1 and distance[i] = NaN when x_i is not finite or no row of the set is. */
LF_API lf_status lf_nearest_cpu(int64_t n, int64_t m, int64_t dim, const float* x, const float* set,
                                int32_t metric, int32_t* index, float* distance);
LF_API lf_status lf_nearest_cuda(int64_t n, int64_t m, int64_t dim, const float* x, const float* set,
                                 int32_t metric, int32_t* index, float* distance, void* stream);

/* mean[i] = (1/K) sum of the K smallest Euclidean distances from x_i to the m rows of ref
 * (1 <= K <= m): the KNN score of Sun et al. (2022). Over finite rows of ref only; mean[i] =
 * NaN when x_i is not finite or fewer than K rows of ref are finite. */
LF_API lf_status lf_knn_mean_distance_cpu(int64_t n, int64_t m, int64_t dim, const float* x, const float* ref,
                                          int32_t k, float* mean);
LF_API lf_status lf_knn_mean_distance_cuda(int64_t n, int64_t m, int64_t dim, const float* x, const float* ref,
                                           int32_t k, float* mean, void* stream);

/* When two points are the same (PAPER.md section 2). LF_METRIC_COSINE: same when
 * cos(a, b) > threshold, except that points with norm <= origin_radius match only each
 * other. LF_METRIC_EUCLIDEAN: same when ||a - b||_2 < threshold. */
typedef struct lf_merge_rule {
    int32_t metric;
    double threshold;
    double origin_radius;
} lf_merge_rule;

/* Greedy deduplication in row order: row i joins the first cluster (in order of creation)
 * whose leader (founding row) it matches, or founds a new one. cluster[i] receives the
 * cluster of row i, leader[c] the founding row of cluster c (the first *n_clusters entries
 * are written), active[i] != 0 selects the rows taking part (NULL: all); inactive rows get
 * cluster -1, and so do rows with a NaN or Inf entry (they match nothing, not even each other,
 * and found no cluster). */
LF_API lf_status lf_dedup_cpu(int64_t n, int64_t dim, const float* x, const int8_t* active,
                              const lf_merge_rule* rule, int32_t* cluster, int32_t* leader, int64_t* n_clusters);
LF_API lf_status lf_dedup_cuda(int64_t n, int64_t dim, const float* x, const int8_t* active,
                               const lf_merge_rule* rule, int32_t* cluster, int32_t* leader, int64_t* n_clusters,
                               void* stream);

/* ---------------------------------------------------------------------------------------
 * Batched Orthogonal Matching Pursuit (Batch-OMP: Rubinstein, Zibulevsky and Elad, 2008).
 * dictionary: n_atoms x dim, one atom per row, of any norm: selection is scale-invariant
 * (the pursuit runs on the unit atoms d_j / ||d_j||, normalised in double; zero atoms are
 * never selected), and coef refers to the atoms as given. signals: n_signals x dim.
 * NaN / Inf (the same in the CPU and CUDA twins): an atom or a signal with a NaN or Inf
 * entry, or whose norm exceeds FLT_MAX (its float correlations would overflow), is refused:
 * LF_ERR_INVALID_ARGUMENT naming the first such row, atoms before signals, e.g. "atom 3 of
 * the dictionary is not finite (it holds a NaN or Inf)"; nothing is written.
 * For each signal x, with residual r = x - D_I^T gamma (r = x at first):
 *   repeat: j = argmax_j |<d_j, r>| / ||d_j|| over atoms not selected yet (ties: the lower j);
 *           I += j; gamma = argmin ||x - D_I^T gamma||_2 (progressive Cholesky of G_II,
 *           G = D D^T, correlations D x from one GEMM)
 *   until |I| = max_atoms, or ||r||_2 <= tol (tol > 0; 0 disables), or the best remaining
 *   correlation is 0, or the selected atom is linearly dependent on I (pivot of the
 *   Cholesky factor <= 1e-10 G_jj).
 * support (n_signals x max_atoms, int32) receives I in selection order, coef the matching
 * gamma, both padded with -1 / 0 when a signal stops early; residual[i] = ||x_i - D_I^T
 * gamma||_2 recomputed in double. Independent signals run on all cores.
 * ------------------------------------------------------------------------------------- */
LF_API lf_status lf_omp_cpu(int64_t n_atoms, int64_t dim, int64_t n_signals, const float* dictionary,
                            const float* signals, int32_t max_atoms, double tol,
                            int32_t* support, float* coef, float* residual);
LF_API lf_status lf_omp_cuda(int64_t n_atoms, int64_t dim, int64_t n_signals, const float* dictionary,
                             const float* signals, int32_t max_atoms, double tol,
                             int32_t* support, float* coef, float* residual, void* stream);

/* ---------------------------------------------------------------------------------------
 * Jacobian spectra (PAPER.md sections 1 and 6). jacobians: n matrices k x k, row-major,
 * J[p, i, j] = d f_i / d z_j at point p. All arithmetic in double.
 *  spectral_norm[p]   = ||J_p||_2, by power iteration on J^T J from a fixed generic start,
 *                       stopped when the Rayleigh quotient ||J v||^2 changes by at most
 *                       tol times itself, or after max_iter steps (iterations[p] receives
 *                       the count; iterations may be NULL);
 *  spectral_radius[p] = max |lambda(J_p)|, by balancing, Hessenberg reduction and the
 *                       Francis double-shift QR iteration; NaN if QR fails to converge.
 * NaN / Inf (the same in the CPU and CUDA twins): a matrix with a NaN or Inf entry has no
 * spectrum: spectral_norm[p] = spectral_radius[p] = NaN and iterations[p] = 0 (a defined
 * result; the call succeeds and the other matrices are unaffected). Every loop is bounded
 * (power iteration by max_iter, balancing sweeps, 30 QR sweeps per eigenvalue), so no input
 * makes a call run forever. A NaN spectral radius never means "stable": callers classify
 * such points as undefined.
 * A point is an attractor when spectral_radius < 1; spectral_radius <= spectral_norm.
 * ------------------------------------------------------------------------------------- */
LF_API lf_status lf_jacobian_spectra_cpu(int64_t n, int32_t k, const float* jacobians, int32_t max_iter, double tol,
                                         float* spectral_norm, float* spectral_radius, int32_t* iterations);
LF_API lf_status lf_jacobian_spectra_cuda(int64_t n, int32_t k, const float* jacobians, int32_t max_iter, double tol,
                                          float* spectral_norm, float* spectral_radius, int32_t* iterations,
                                          void* stream);

/* All k eigenvalues of each Jacobian, by the same balancing, Hessenberg reduction and Francis
 * double-shift QR (in double) as spectral_radius above: eigenvalue i of matrix p is
 * eig_re[p*k + i] + i eig_im[p*k + i], sorted by modulus |lambda| descending; on equal moduli
 * (in double) the larger real part first, then the positive imaginary part first, so a complex
 * pair a +- ib is written as a + ib, a - ib. The modulus of the first, |eig[p*k]|, is the
 * spectral_radius[p] of lf_jacobian_spectra_* (the same code computes both).
 * NaN / Inf (the same in the CPU and CUDA twins): a matrix with a NaN or Inf entry, or whose QR
 * iteration fails to converge (30 sweeps for one eigenvalue), gets all k eig_re and eig_im NaN
 * (a defined result; the call succeeds and the other matrices are unaffected). On error nothing
 * is written. */
LF_API lf_status lf_jacobian_eigenvalues_cpu(int64_t n, int32_t k, const float* jacobians, float* eig_re, float* eig_im);
LF_API lf_status lf_jacobian_eigenvalues_cuda(int64_t n, int32_t k, const float* jacobians, float* eig_re, float* eig_im,
                                              void* stream);

/* ---------------------------------------------------------------------------------------
 * Solvers' kernels: one step of Anderson acceleration and batched dense linear solves (the
 * Newton step), for the fixed-point solvers that iterate many points at once.
 * ------------------------------------------------------------------------------------- */

/*
 * One step of type-II Anderson acceleration (Walker and Ni, SIAM J. Numer. Anal. 49(4), 2011)
 * for n independent rows: row i is the point x_i (k wide) with f(x_i) = fx_i. Row i owns the
 * history slot s = slot[i] (slots distinct within a call; the caller keeps a point's slot while
 * its rows are compacted, and sets hist_count[s] = 0 when it gives the slot to a new point).
 * Per slot: hist_x and hist_g ((m+1) x k floats at hist_x + s*(m+1)*k, likewise hist_g) are ring
 * buffers of the last m+1 iterates x and residuals g = f(x) - x (entry e at ring row e % (m+1)),
 * hist_count[s] the entries pushed since the last reset (kept below 2^30 at the same value
 * modulo m+1), last_res[s] = ||g||_2 of its previous step (read only when hist_count[s] > 0).
 * The caller sizes them for the largest slot. In double, for each row:
 *
 *   g = fx - x;
 *   if hist_count[s] > 0 and ||g|| > safeguard * last_res[s] (the residual grew):
 *       hist_count[s] = 0 and fallback[i] = 1 (the history restarts);
 *   push (x, g); mk = min(m, hist_count[s] - 1); dX_j = x_{j+1} - x_j, dG_j = g_{j+1} - g_j
 *   over the last mk+1 entries (k x mk matrices dX, dG);
 *   mk == 0: x_next = x + beta g (beta = 1 writes fx itself: a Picard step is bitwise f(x));
 *   else:    gamma = argmin ||g - dG gamma||^2 + lambda ||dG||_F^2 / mk ||gamma||^2, from the
 *            normal equations (dG^T dG + lambda ||dG||_F^2 / mk I) gamma = dG^T g by LU with
 *            partial pivoting (lf_solve_batched's singularity rule);
 *            x_next = x + beta g - (dX + beta dG) gamma;
 *            a singular system: x_next = x + beta g, fallback[i] = 1, and the history restarts
 *            from this entry alone (hist_count[s] = 1);
 *   last_res[s] = ||g||; fallback[i] = 0 unless set above.
 *
 * The history is stored in float; x_next is rounded to float once. x_next may be x (updated in
 * place) but must not overlap the histories. m in [1, 64], beta in (0, 1], lambda finite and
 * >= 0, safeguard > 0 (1 resets whenever the residual grows; +inf never).
 * NaN / Inf (the same in the CPU and CUDA twins): a row whose x or fx has a NaN or Inf entry gets
 * x_next = fx, fallback[i] = 1, hist_count[s] = 0 and last_res[s] = NaN (a defined result; the
 * caller's stopping rule calls the point diverged); other rows are unaffected.
 * On error (a bad setting, a negative slot or one given to two rows) nothing is written; the
 * CUDA twin checks the slots on a host copy, one synchronisation of the stream.
 */
LF_API lf_status lf_anderson_step_cpu(int64_t n, int32_t k, int32_t m, double beta, double lambda, double safeguard,
                                      const float* x, const float* fx, const int32_t* slot, float* hist_x, float* hist_g,
                                      int32_t* hist_count, float* last_res, float* x_next, int8_t* fallback);
LF_API lf_status lf_anderson_step_cuda(int64_t n, int32_t k, int32_t m, double beta, double lambda, double safeguard,
                                       const float* x, const float* fx, const int32_t* slot, float* hist_x, float* hist_g,
                                       int32_t* hist_count, float* last_res, float* x_next, int8_t* fallback, void* stream);

/*
 * Solves a_p x_p = b_p for n systems of k equations, all double: a is n x k x k (row-major, one
 * matrix after another), b and x are n x k. Gaussian elimination with partial pivoting (the row
 * of largest |entry|; ties: the upper one). singular[p] = 1 and x_p all NaN when a pivot is 0
 * or below 1e-14 times the largest |entry| of a_p, or when the solution overflows; else
 * singular[p] = 0. x may be b (solved in place) but must not overlap a.
 * NaN / Inf (the same in the CPU and CUDA twins): a system whose a_p or b_p has a NaN or Inf
 * entry is singular (singular[p] = 1, x_p NaN: a defined result; the call succeeds and the
 * other systems are unaffected). On error nothing is written.
 */
LF_API lf_status lf_solve_batched_cpu(int64_t n, int32_t k, const double* a, const double* b, double* x, int8_t* singular);
LF_API lf_status lf_solve_batched_cuda(int64_t n, int32_t k, const double* a, const double* b, double* x, int8_t* singular,
                                       void* stream);

/* ---------------------------------------------------------------------------------------
 * Fused fixed-point engine for MLP autoencoders. The latent map f = E(D(.)) is given as one
 * stack of Linear layers, decoder layers first: layer l maps rows h -> act_l(h W_l^T + b_l)
 * with W_l out x in (PyTorch's layout), b_l of length out (or NULL), the first layer's in and
 * the last layer's out both k. The plan copies the weights (to the device for a CUDA plan);
 * the caller's arrays may be freed after lf_mlp_create. A plan is immutable and may be used
 * from several threads at once.
 * ------------------------------------------------------------------------------------- */
typedef enum lf_activation {
    LF_ACT_IDENTITY = 0,
    LF_ACT_RELU = 1,
    LF_ACT_TANH = 2,
    LF_ACT_SIGMOID = 3,
    LF_ACT_GELU = 4, /* exact: x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), PyTorch's default */
    LF_ACT_LEAKY_RELU = 5, /* x > 0 ? x : alpha x (lf_net only: it carries alpha) */
    LF_ACT_SILU = 6        /* x sigmoid(x) (lf_net only) */
} lf_activation;

typedef struct lf_mlp_layer {
    int32_t in, out;
    const float* weight; /* out x in, row-major */
    const float* bias;   /* out, or NULL */
    int32_t activation;  /* lf_activation */
} lf_mlp_layer;

typedef struct lf_mlp lf_mlp;

/* device: 0 = CPU, 1 = CUDA (LF_ERR_NO_DEVICE without one). */
LF_API lf_status lf_mlp_create(const lf_mlp_layer* layers, int32_t n_layers, int32_t device, lf_mlp** plan);
LF_API lf_status lf_mlp_destroy(lf_mlp* plan); /* NULL is a no-op */
LF_API lf_status lf_mlp_latent_dim(const lf_mlp* plan, int32_t* k);

/* out = f(in) for rows x k matrices (host memory for the CPU, device memory for CUDA). */
LF_API lf_status lf_mlp_apply_cpu(const lf_mlp* plan, int64_t rows, const float* in, float* out);
LF_API lf_status lf_mlp_apply_cuda(const lf_mlp* plan, int64_t rows, const float* in, float* out, void* stream);

/* Analytic Jacobians of f at rows x k points: jacobians (rows x k x k, row-major) receives
 * J[p, i, j] = d f_i / d z_j at z_p, by forward-mode differentiation: the k unit tangents of
 * every point are pushed through the layers as one GEMM per layer (tangents x W^T), each
 * scaled by the activation's derivative at the point. Host memory for the CPU, device
 * memory for CUDA. */
LF_API lf_status lf_mlp_jacobians_cpu(const lf_mlp* plan, int64_t rows, const float* z, float* jacobians);
LF_API lf_status lf_mlp_jacobians_cuda(const lf_mlp* plan, int64_t rows, const float* z, float* jacobians, void* stream);

/*
 * The whole Picard loop z_{t+1} = f(z_t) for the n rows of z0 in one call, with exactly the
 * bookkeeping of lf_fixed_point_step_cpu (stopping rule, divergence, endpoints, trajectory
 * slots 1.. when traj is not NULL; slot 0 is filled with z0 here): at most `batch` rows are
 * in flight, rows that stop leave and the next starts take their place, in order. Outputs
 * are indexed by row of z0 and fully written. Host memory on the CPU; on CUDA z0, endpoints,
 * iterations, step_sq, state and traj are device memory, and rows stay on the device: a row that
 * stops is frozen where it stopped, and every 8 steps the rows still active are compacted on the
 * device and the freed places refilled (the host reads one count per 8 steps). The results are
 * the CPU's. The flag of lf_cancel_request() is checked before every step (LF_CANCELLED,
 * outputs partly written).
 */
LF_API lf_status lf_mlp_fixed_points_cpu(const lf_mlp* plan, int64_t n, const float* z0, const lf_stop_rule* rule,
                                         int64_t batch, float* endpoints, int32_t* iterations, float* step_sq,
                                         int8_t* state, float* traj, int32_t record_every, int32_t n_slots);
LF_API lf_status lf_mlp_fixed_points_cuda(const lf_mlp* plan, int64_t n, const float* z0, const lf_stop_rule* rule,
                                          int64_t batch, float* endpoints, int32_t* iterations, float* step_sq,
                                          int8_t* state, float* traj, int32_t record_every, int32_t n_slots,
                                          void* stream);

/* ---------------------------------------------------------------------------------------
 * Convolution layers, the building blocks of the network engine for conv autoencoders
 * (issue 13). One layer applied to a batch of `rows` items in NCHW layout (each item
 * in_channels x in_height x in_width, row-major), with PyTorch's semantics, dilation 1 and
 * groups 1:
 *   conv2d (transposed = 0): weight out_channels x in_channels x kernel_h x kernel_w,
 *     y[o, i, j] = b[o] + sum_{c, u, v} w[o, c, u, v] x[c, i s_h - p_h + u, j s_w - p_w + v]
 *     (x = 0 outside the image); out size floor((H + 2 p - k) / s) + 1.
 *   conv_transpose2d (transposed = 1): weight in_channels x out_channels x kernel_h x kernel_w,
 *     y[o, i s_h - p_h + u, j s_w - p_w + v] += w[c, o, u, v] x[c, i, j], then + b[o]; out
 *     size (H - 1) s - 2 p + k + output_pad, with 0 <= output_pad < s. It is the adjoint of
 *     conv2d with the same weight, stride and padding.
 * bias may be NULL (no bias: what forward-mode Jacobians push tangents through). Computed as
 * GEMMs on the GEMM provider (lf_blas_open) with im2col / col2im, items split over liblf's
 * workers; float accumulation in the GEMM.
 * ------------------------------------------------------------------------------------- */
typedef struct lf_conv2d_shape {
    int32_t in_channels, in_height, in_width;
    int32_t out_channels;
    int32_t kernel_h, kernel_w;
    int32_t stride_h, stride_w;
    int32_t pad_h, pad_w;
    int32_t output_pad_h, output_pad_w; /* conv_transpose2d only; 0 for conv2d */
    int32_t transposed;                 /* 0: conv2d, 1: conv_transpose2d */
} lf_conv2d_shape;

/* The output height and width of a layer, after checking its shape (LF_ERR_INVALID_ARGUMENT
 * with the reason: non-positive sizes, negative padding, output_pad >= stride, an empty output). */
LF_API lf_status lf_conv2d_output_size(const lf_conv2d_shape* shape, int32_t* out_height, int32_t* out_width);

/* out (rows x out_channels x out_height x out_width) = the layer applied to in. */
LF_API lf_status lf_conv2d_apply_cpu(const lf_conv2d_shape* shape, int64_t rows, const float* in, const float* weight,
                                     const float* bias, float* out);

/* ---------------------------------------------------------------------------------------
 * Network engine (issue 13): f = E(D(.)) as one chain of layers, decoder layers first, on rows
 * of values in C order (an item C x H x W is a row of C*H*W values, so flatten and reshape cost
 * nothing). Each layer states the size of the rows it takes; the first takes k values, the last
 * gives k, and each takes what the one before gives.
 *   LF_NET_LINEAR      rows of `in` -> `out`: y = x W^T + b, weight out x in, bias out or NULL;
 *   LF_NET_CONV2D      conv2d or conv_transpose2d as lf_conv2d_apply_cpu (shape in `conv`);
 *   LF_NET_ACTIVATION  elementwise `activation` (lf_activation; alpha for LF_ACT_LEAKY_RELU) on
 *                      rows of `in` values;
 *   LF_NET_PAD         items conv.in_channels x conv.in_height x conv.in_width get pad_top,
 *                      pad_bottom, pad_left, pad_right rows and columns of pad_value (negative
 *                      amounts crop), as torch.constant_pad_nd and slicing do.
 * The plan copies the weights. Jacobians are forward mode: k tangents per point pushed through
 * every layer (linear layers without their bias, activations by their derivative at the
 * pre-activation, padding with 0), J[p, i, j] = d f_i / d z_j as for lf_mlp_jacobians_cpu.
 * The fixed-point loop is lf_mlp_fixed_points_cpu's, with f evaluated by the chain.
 * ------------------------------------------------------------------------------------- */
typedef enum lf_net_op { LF_NET_LINEAR = 0, LF_NET_CONV2D = 1, LF_NET_ACTIVATION = 2, LF_NET_PAD = 3 } lf_net_op;

typedef struct lf_net_layer {
    int32_t op; /* lf_net_op */
    int32_t in, out; /* LINEAR: sizes; ACTIVATION: in = the row size */
    lf_conv2d_shape conv; /* CONV2D: the layer; PAD: the item shape (in_channels, in_height, in_width) */
    const float* weight;  /* LINEAR, CONV2D */
    const float* bias;    /* LINEAR, CONV2D: or NULL */
    int32_t activation;   /* ACTIVATION */
    float alpha;          /* ACTIVATION with LF_ACT_LEAKY_RELU */
    int32_t pad_top, pad_bottom, pad_left, pad_right; /* PAD */
    float pad_value;                                   /* PAD */
} lf_net_layer;

typedef struct lf_net lf_net;

/* LF_ERR_INVALID_ARGUMENT naming the layer whose sizes do not chain. A plan runs on the CPU and,
 * through the _cuda entry points (device pointers, on `stream`, NULL for the default stream), on
 * the GPU: the weights go to the device on the plan's first CUDA call (LF_ERR_NO_DEVICE without
 * one). The CUDA fixed-point loop keeps every row on the device and compacts there every few
 * steps (the host reads one count each time). */
LF_API lf_status lf_net_create(const lf_net_layer* layers, int32_t n_layers, lf_net** plan);
LF_API lf_status lf_net_destroy(lf_net* plan); /* NULL is a no-op */
LF_API lf_status lf_net_latent_dim(const lf_net* plan, int32_t* k);
LF_API lf_status lf_net_apply_cpu(const lf_net* plan, int64_t rows, const float* in, float* out);
LF_API lf_status lf_net_jacobians_cpu(const lf_net* plan, int64_t rows, const float* z, float* jacobians);
LF_API lf_status lf_net_fixed_points_cpu(const lf_net* plan, int64_t n, const float* z0, const lf_stop_rule* rule,
                                         int64_t batch, float* endpoints, int32_t* iterations, float* step_sq,
                                         int8_t* state, float* traj, int32_t record_every, int32_t n_slots);
LF_API lf_status lf_net_apply_cuda(const lf_net* plan, int64_t rows, const float* in, float* out, void* stream);
LF_API lf_status lf_net_jacobians_cuda(const lf_net* plan, int64_t rows, const float* z, float* jacobians, void* stream);
LF_API lf_status lf_net_fixed_points_cuda(const lf_net* plan, int64_t n, const float* z0, const lf_stop_rule* rule,
                                          int64_t batch, float* endpoints, int32_t* iterations, float* step_sq,
                                          int8_t* state, float* traj, int32_t record_every, int32_t n_slots,
                                          void* stream);

#ifdef __cplusplus
}
#endif

#endif /* LATENTFIELD_LF_H */
