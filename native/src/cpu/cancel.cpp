// lf_cancel_*: one lock-free atomic flag (async-signal-safe to set), polled by the long loops.
#include "cancel.hpp"

namespace lf {
std::atomic<int> cancel_flag{0};
static_assert(std::atomic<int>::is_always_lock_free, "the cancel flag must be settable from a signal handler");
}  // namespace lf

extern "C" {

lf_status lf_cancel_request(void) {
    lf::cancel_flag.store(1, std::memory_order_relaxed);
    return LF_OK;
}

lf_status lf_cancel_clear(void) {
    lf::cancel_flag.store(0, std::memory_order_relaxed);
    return LF_OK;
}

lf_status lf_cancel_requested(int32_t* requested) {
    return lf::guard("lf_cancel_requested", [&] {
        lf::require(requested != nullptr, "requested must not be NULL");
        *requested = lf::cancel_requested() ? 1 : 0;
    });
}

}  // extern "C"
