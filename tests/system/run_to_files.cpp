#include "run_to_files.hpp"

#include "support/corpus.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ; // NOLINT: POSIX names it so

namespace mbus::test {

finished_run run_to_files(std::vector<std::string> args, std::chrono::seconds limit) {
    const temp_dir files("run-output");
    const auto out_path = files.dir() / "stdout";
    const auto err_path = files.dir() / "stderr";
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    pid_t pid = -1;
    const auto start = std::chrono::steady_clock::now();
    const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE_MESSAGE(rc == 0, "cannot start ", args[0]);
    int status = 0;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() - start > limit) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            FAIL(fmt::format("{} did not exit within {} s", fmt::join(args, " "), limit.count()));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    finished_run f;
    f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    f.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    f.out = read_file(out_path);
    f.err = read_file(err_path);
    f.report =
        fmt::format("{}\nexit code {}\nstdout:\n{}\nstderr:\n{}", fmt::join(args, " "), f.code, f.out, f.err);
    return f;
}

} // namespace mbus::test
