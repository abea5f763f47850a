# Sanitizer and fuzzing builds (scripts/sanitize, scripts/reliability; never the default build).
#
#   -DSTREAMSUBMIT_SANITIZE=address,undefined   ASan + UBSan on every target, the plugin included
#   -DSTREAMSUBMIT_SANITIZE=thread              TSan on every target
#   -DSTREAMSUBMIT_FUZZ=ON                      libFuzzer targets in tests/fuzz (clang only):
#                                               everything is compiled with
#                                               -fsanitize=fuzzer-no-link,address
#
# The Kafka plugin is dlopen'd by the executable: both are instrumented, so the sanitizer
# runtime is loaded with the executable and no LD_PRELOAD is needed. librdkafka and glibc
# are not instrumented; tests/sanitizers/*.supp hold the suppressions for findings there.
set(STREAMSUBMIT_SANITIZE "" CACHE STRING
  "Sanitizers for every target: address,undefined or thread (empty: none)")
option(STREAMSUBMIT_FUZZ "Build the libFuzzer targets in tests/fuzz (needs clang)" OFF)

if(STREAMSUBMIT_SANITIZE)
  if(STREAMSUBMIT_SANITIZE MATCHES "thread" AND STREAMSUBMIT_SANITIZE MATCHES "address")
    message(FATAL_ERROR "STREAMSUBMIT_SANITIZE: thread cannot be combined with address")
  endif()
  add_compile_options(-fsanitize=${STREAMSUBMIT_SANITIZE} -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=${STREAMSUBMIT_SANITIZE})
  if(STREAMSUBMIT_SANITIZE MATCHES "undefined")
    # A UB finding is a failure, not a line in a log nobody reads.
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
  message(STATUS "streamsubmit: sanitizers ${STREAMSUBMIT_SANITIZE}")
  if(STREAMSUBMIT_SANITIZE MATCHES "address|thread")
    # TSan: a library named by a called_from_lib suppression (tests/sanitizers/tsan.supp)
    # must not be unloaded (TSan stops the process when it is).
    # ASan: librdkafka allocates global state once per process and never frees it. When the
    # executable dlclose()s the plugin, librdkafka is unmapped with it and LeakSanitizer
    # reports that state as leaked from "<unknown module>" (no suppression can match it).
    # Linking librdkafka into the executables that load the plugin keeps it mapped, as in
    # any process that keeps the plugin loaded. (Checked: with librdkafka.so.1 preloaded and
    # nothing else changed, kafka_plugin_test reports no leak.)
    cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL _streamsubmit_keep_rdkafka_mapped)
  endif()
endif()

if(STREAMSUBMIT_SANITIZE MATCHES "thread")
  # librdkafka's C11 threads and locks are invisible to GCC 12's TSan: route them through
  # pthreads (tests/sanitizers/c11_threads_shim.c says why). A shared library linked first
  # into the executables that load the plugin, so its symbols win over glibc's.
  add_library(streamsubmit_tsan_c11_shim SHARED ${CMAKE_SOURCE_DIR}/tests/sanitizers/c11_threads_shim.c)
  target_link_libraries(streamsubmit_tsan_c11_shim PRIVATE Threads::Threads)
  set_target_properties(streamsubmit_tsan_c11_shim PROPERTIES C_VISIBILITY_PRESET default C_STANDARD 11)
  cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL _streamsubmit_link_c11_shim)
endif()

function(_streamsubmit_link_c11_shim)
  foreach(_t streamsubmit kafka_plugin_test unit_tests)
    if(TARGET ${_t})
      target_link_options(${_t} PRIVATE "LINKER:--no-as-needed")
      target_link_libraries(${_t} PRIVATE streamsubmit_tsan_c11_shim)
    endif()
  endforeach()
endfunction()

function(_streamsubmit_keep_rdkafka_mapped)
  foreach(_t streamsubmit kafka_plugin_test unit_tests)
    if(TARGET ${_t})
      target_link_options(${_t} PRIVATE "LINKER:--no-as-needed")
      target_link_libraries(${_t} PRIVATE PkgConfig::RDKAFKA)
    endif()
  endforeach()
endfunction()

if(STREAMSUBMIT_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "STREAMSUBMIT_FUZZ needs clang: CC=clang CXX=clang++ cmake -DSTREAMSUBMIT_FUZZ=ON ...")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=address,undefined)
endif()
