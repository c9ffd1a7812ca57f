// Linked into every executable of a sanitizer build (the top-level CMakeLists.txt adds it): the
// defaults ASan reads before ASAN_OPTIONS, which still overrides them.
//
// intercept_tls_get_addr=0: clang 14's runtime (and GCC's up to 13) guesses that a dynamic TLS
// block starts with a pre-2.25 glibc header whenever its address modulo 4096 happens to equal that
// header's size, and reads the two words before it as a range. When a malloc'd block lands there by
// chance, LeakSanitizer's stop-the-world tracer faults at exit ("Tracer caught signal 11") after
// every test has passed. Dynamic TLS comes only from libraries opened with dlopen(): the gRPC
// plugin and libpq with theirs. Fixed in LLVM 17. Without the interception those blocks are plain
// heap blocks that glibc points to from each thread's TLS vector; the whole suite runs without a
// leak report.
extern "C" const char* __asan_default_options() {
  return "intercept_tls_get_addr=0";
}
