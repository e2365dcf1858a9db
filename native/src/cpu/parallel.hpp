// parallel_for: runs body(begin, end) over [0, n) in chunks on all hardware threads. The
// first exception thrown by a chunk is rethrown on the calling thread after all joined. Every
// chunk first checks the flag of lf_cancel_request(): once it is set, no chunk starts and the
// call throws LF_CANCELLED after the running chunks have finished.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "cancel.hpp"

namespace lf {

int worker_count();

template <typename Body>
void parallel_for(int64_t n, int64_t chunk, Body&& body) {
    if (n <= 0) return;
    chunk = std::max<int64_t>(1, chunk);
    const int64_t chunks = (n + chunk - 1) / chunk;
    const int threads = static_cast<int>(std::min<int64_t>(worker_count(), chunks));
    if (threads <= 1) {
        throw_if_cancelled();
        body(int64_t{0}, n);
        return;
    }
    std::atomic<int64_t> next{0};
    std::exception_ptr failure;
    std::mutex failure_lock;
    auto work = [&] {
        for (int64_t c; (c = next.fetch_add(1)) < chunks;) {
            try {
                throw_if_cancelled();
                body(c * chunk, std::min(n, (c + 1) * chunk));
            } catch (...) {
                std::lock_guard<std::mutex> hold(failure_lock);
                if (!failure) failure = std::current_exception();
                next.store(chunks);
            }
        }
    };
    std::vector<std::thread> pool;
    pool.reserve(static_cast<size_t>(threads - 1));
    for (int t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    if (failure) std::rethrow_exception(failure);
}

}  // namespace lf
