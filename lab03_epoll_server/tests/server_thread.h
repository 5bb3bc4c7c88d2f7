// Shared by lab03's unit tests: a ChatServer whose run() loops in a thread of the test process.
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "lab01_blocking/net.h"
#include "lab03_epoll_server/chat_server.h"
#include "testkit/deadline.h"
#include "testkit/failure.h"
#include "testkit/interrupt.h"
#include "testkit/line_client.h"

namespace lab03 {

/// A ChatServer on a fresh listener (a free port) with an eventfd as its stop fd, run() in its
/// own thread. stop() (and the destructor) write to the stop fd and wait for run() to end, with a
/// deadline: a run() that never returns is left behind, detached, with the server it uses (the
/// thread shares its ownership), so that the test fails at once instead of hanging until the
/// watchdog.
class ServerThread {
public:
    explicit ServerThread(chat::Mode mode) : state_(std::make_shared<State>(mode))
    {
        ended_ = state_->ended.get_future();
        thread_ = std::thread([state = state_] { state->run(); });
        while (state_->tid.load() == 0)
            std::this_thread::yield();
    }
    ~ServerThread()
    {
        if (!thread_.joinable()) return;
        if (!gave_up_ && stop()) {
            thread_.join();
        } else {
            thread_.detach();
        }
    }
    ServerThread(const ServerThread&) = delete;
    ServerThread& operator=(const ServerThread&) = delete;

    /// Make the stop fd readable, then wait for run() to end. @return false if it still runs
    /// after @p timeout (scaled).
    bool stop(testkit::Duration timeout = testkit::kDefaultWait)
    {
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto n = ::write(state_->stop_fd, &one, sizeof one);
        gave_up_ = ended_.wait_for(testkit::scaled(timeout)) != std::future_status::ready;
        return !gave_up_;
    }

    /// The next line @p client receives, waiting in short slices so that a run() that ends (it
    /// threw, or returned too early) is noticed at once: "" then, or on timeout.
    std::string next_line(testkit::LineClient& client,
                          testkit::Duration timeout = testkit::kDefaultWait)
    {
        const testkit::Deadline deadline(timeout);
        while (!deadline.expired()) {
            try {
                return client.expect_line(testkit::Duration(20));
            } catch (const testkit::Failure&) {
                if (done()) return {};
            }
        }
        return {};
    }

    [[nodiscard]] std::uint16_t port() const { return state_->port; }
    /// The thread's kernel id (for testkit::wait_until_blocked) and handle (interrupt_thread).
    [[nodiscard]] pid_t tid() const { return state_->tid.load(); }
    [[nodiscard]] pthread_t handle() { return thread_.native_handle(); }
    /// True once run() returned or threw.
    [[nodiscard]] bool done() const { return state_->done.load(); }
    /// How run() ended, for messages: what it threw, that it returned, or that it still runs.
    [[nodiscard]] std::string how_it_ended() const
    {
        if (!done()) return "run() is still running";
        return state_->error.empty() ? std::string("run() returned")
                                     : "run() threw: " + state_->error;
    }

private:
    struct State {
        explicit State(chat::Mode mode)
            : listener(net::listen_tcp("127.0.0.1", 0)),
              port(net::bound_port(listener)),
              stop(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
              stop_fd(stop.get()),
              server(std::move(listener), mode, std::move(stop))
        {
        }
        void run()
        {
            tid = testkit::this_thread_id();
            try {
                server.run();
            } catch (const std::exception& e) {
                error = e.what();
                if (error.empty()) error = "an exception";
            }
            done = true;
            ended.set_value();
        }
        kit::Fd listener;
        std::uint16_t port;
        kit::Fd stop;
        int stop_fd;
        chat::ChatServer server;
        std::atomic<pid_t> tid{0};
        std::atomic<bool> done{false};
        std::string error;  // written before done is set
        std::promise<void> ended;
    };

    std::shared_ptr<State> state_;
    std::future<void> ended_;
    std::thread thread_;
    bool gave_up_ = false;  // a stop() found run() still running at its deadline
};

}  // namespace lab03
