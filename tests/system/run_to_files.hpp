#pragma once
// Runs a program to its end with stdout and stderr in files rather than pipes, so that every byte it
// wrote is there once it exited (a pipe's reader can miss the tail of a killed child's output), and
// kills it past a time limit. For tests of whole commands (`mbus-sim test`, masters under the shim).

#include <chrono>
#include <string>
#include <vector>

namespace mbus::test {

struct finished_run {
    int code{-1}; // the exit status, or 128 + the signal that ended it
    std::string out;
    std::string err;
    double seconds{0};
    std::string report; // the command line, exit code and both outputs, for a failing check's message
};

// args[0] is a path. Fails the test (doctest FAIL) when it cannot start or outlives `limit`.
finished_run run_to_files(std::vector<std::string> args, std::chrono::seconds limit);

} // namespace mbus::test
