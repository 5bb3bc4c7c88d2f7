/// @file client_quit.h
/// @brief lab05 (given): `/quit`, and how the client ends: the user's lines watched for `/quit`
/// on their way to lab04's run_client_loop, and the server heard out before the client closes.
///
/// lab04's stdin reader knows one command, `exit`. lab05's `/quit` is a line for the server,
/// which answers `* bye` and closes the connection; but the client must also end against a server
/// that does not know `/quit` (lab03's, which would just say it to the room). So the user's lines
/// take one more step, through a thread of the parent (README §5.3):
///
///     stdin reader ── pipe ──► QuitWatcher (thread) ── socketpair ──► run_client_loop ──► server
///                               "/quit": forward it, then close: the user is done
///
/// When the user is done (`/quit`, `exit`, end of input), hear_the_server_out() half-closes the
/// connection and prints what the server still says until it closes (`* bye`, then EOF; lab03's
/// server closes when it reads EOF) or kGoodbyeWait has passed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string_view>
#include <thread>

#include "common/fd.h"

namespace room {

/// @brief How long the client waits for the server to close after the user is done. A live
/// server closes at once; this bounds only a hung one. Generous, so that a server slowed down by
/// a busy machine is still heard out (a user's Ctrl-C ends the wait earlier).
inline constexpr std::chrono::milliseconds kGoodbyeWait{10000};

/// @brief True if @p line is `/quit` in any case ("/QUIT", "/Quit"), and nothing else, like
/// lab04's `exit`: the server's command names are case-insensitive too.
bool is_quit_command(std::string_view line);

/// @brief The user's lines, from lab04's stdin reader to run_client_loop, watched for `/quit`.
///
/// A thread reads the stdin reader's pipe and forwards every line, whole, to lines(). After a
/// `/quit` line (forwarded too: the server says `* bye`) it stops and closes its end, so
/// run_client_loop sees the end of the user's lines and returns UserDone once `/quit` is sent.
/// The thread must start after the stdin reader's fork (a fork copies only the calling thread).
class QuitWatcher {
public:
    /// @brief Start the thread, reading @p reader_lines (the stdin reader's pipe, blocking; not
    /// owned, and open until finish()). @throws kit::SysError if \man{socketpair,2} fails.
    explicit QuitWatcher(int reader_lines);
    /// @brief finish(), if not done yet.
    ~QuitWatcher();
    QuitWatcher(const QuitWatcher&) = delete;
    QuitWatcher& operator=(const QuitWatcher&) = delete;

    /// @brief Where the user's lines come out: run_client_loop's @c user_lines.
    [[nodiscard]] const kit::Fd& lines() const { return lines_; }
    /// @brief True once a `/quit` line was forwarded.
    [[nodiscard]] bool quit_typed() const { return quit_.load(); }
    /// @brief Stop the thread, wherever it waits, close lines() and join the thread.
    void finish();

private:
    void forward(int reader_lines, kit::Fd out);

    kit::Fd lines_;  // run_client_loop's end of the socketpair
    kit::Fd stop_;   // an eventfd: finish() wakes the thread's poll with it
    std::atomic<bool> quit_{false};
    std::thread thread_;
};

/// @brief The user is done: shut down the sending half of @p server (the server reads EOF), then
/// print what the server still sends to @p out (lab04's print_server_lines) until it closes the
/// connection or @p wait has passed.
/// @return true if the server closed the connection in time.
/// @throws kit::SysError if poll fails (see lab04's print_server_lines for the reads).
bool hear_the_server_out(const kit::Fd& server, std::FILE* out, std::chrono::milliseconds wait);

}  // namespace room
