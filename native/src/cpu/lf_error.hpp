// Thread-local last-error message and the guard that keeps C++ exceptions inside the library.
#pragma once

#include <exception>
#include <new>
#include <string>

#include "latentfield/lf.h"

namespace lf {

void set_error(const std::string& message);
void clear_error();

// Thrown by kernels for a bad argument; turned into LF_ERR_INVALID_ARGUMENT by guard().
struct invalid_argument : std::exception {
    std::string message;
    explicit invalid_argument(std::string m) : message(std::move(m)) {}
    const char* what() const noexcept override { return message.c_str(); }
};

// Thrown for failures with their own status (no device, CUDA runtime errors).
struct status_error : std::exception {
    lf_status status;
    std::string message;
    status_error(lf_status s, std::string m) : status(s), message(std::move(m)) {}
    const char* what() const noexcept override { return message.c_str(); }
};

// Runs body() and converts any exception into a status plus a last-error message.
template <typename Body>
lf_status guard(const char* entry_point, Body&& body) noexcept {
    try {
        clear_error();
        body();
        return LF_OK;
    } catch (const invalid_argument& e) {
        set_error(std::string(entry_point) + ": " + e.message);
        return LF_ERR_INVALID_ARGUMENT;
    } catch (const status_error& e) {
        set_error(std::string(entry_point) + ": " + e.message);
        return e.status;
    } catch (const std::bad_alloc&) {
        set_error(std::string(entry_point) + ": out of memory");
        return LF_ERR_OUT_OF_MEMORY;
    } catch (const std::exception& e) {
        set_error(std::string(entry_point) + ": internal error: " + e.what());
        return LF_ERR_INTERNAL;
    } catch (...) {
        set_error(std::string(entry_point) + ": internal error of unknown type");
        return LF_ERR_INTERNAL;
    }
}

inline void require(bool condition, const char* message) {
    if (!condition) throw invalid_argument(message);
}

}  // namespace lf
