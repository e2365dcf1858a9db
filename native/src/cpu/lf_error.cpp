#include "lf_error.hpp"

namespace {
thread_local std::string last_error;
}

namespace lf {
void set_error(const std::string& message) { last_error = message; }
void clear_error() { last_error.clear(); }
}  // namespace lf

extern "C" const char* lf_last_error(void) { return last_error.c_str(); }

extern "C" const char* lf_version(void) { return LF_VERSION_STRING; }
