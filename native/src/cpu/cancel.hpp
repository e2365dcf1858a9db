// The process-wide cancellation flag of lf_cancel_request() (see lf.h): long loops poll it
// between steps and parallel_for before every chunk, and stop with LF_CANCELLED.
#pragma once

#include <atomic>

#include "lf_error.hpp"

namespace lf {

extern std::atomic<int> cancel_flag;

inline bool cancel_requested() noexcept { return cancel_flag.load(std::memory_order_relaxed) != 0; }

// Throws the LF_CANCELLED status (turned into the return value by guard()) once the flag is set.
inline void throw_if_cancelled() {
    if (cancel_requested()) throw status_error(LF_CANCELLED, "cancelled by lf_cancel_request()");
}

}  // namespace lf
