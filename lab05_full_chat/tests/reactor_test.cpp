// Unit tests of lab05's Reactor (reactor.cpp), in the test process, on eventfds and pipes: no
// network needed. Each test runs the reactor in both modes where the mode matters.
#include "lab05_full_chat/reactor.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "testkit/deadline.h"
#include "testkit/graded.h"
#include "testkit/interrupt.h"
#include "testkit/proc.h"

namespace {

constexpr chat::Mode kModes[] = {chat::Mode::Lt, chat::Mode::Et};

const char* name_of(chat::Mode mode)
{
    return mode == chat::Mode::Et ? "et" : "lt";
}

// An eventfd: readable once signal() has been called, until drain().
struct Event {
    kit::Fd fd{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
    void signal() const
    {
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto n = ::write(fd.get(), &one, sizeof one);
    }
    void drain() const
    {
        std::uint64_t value = 0;
        [[maybe_unused]] const auto n = ::read(fd.get(), &value, sizeof value);
    }
};

// A reactor in one mode, two eventfds for it to watch, and the log its handlers write: the cast of
// the tests of who is called, and in which order, as
// `auto [reactor, a, b, calls] = TwoEventsAndALog(mode);`.
struct TwoEventsAndALog {
    explicit TwoEventsAndALog(chat::Mode mode) : reactor(mode) {}
    room::Reactor reactor;
    Event a;
    Event b;
    std::vector<std::string> log;
};

// Run @p reactor's run_once(-1) on another thread; if it has not returned within the default
// wait, wake it with @p waker so that the test fails with a message instead of hanging.
std::size_t run_once_or_wake(room::Reactor& reactor, const Event& waker, const std::string& why)
{
    auto turn = std::async(std::launch::async, [&reactor] { return reactor.run_once(-1); });
    if (turn.wait_for(testkit::scaled(testkit::kDefaultWait)) != std::future_status::ready) {
        waker.signal();
        turn.wait();
        ADD_FAILURE() << why;
    }
    return turn.get();
}

}  // namespace

GRADED_TEST(Reactor, AddRegistersAFreshKeyInTheChosenMode, 3,
            "Reactor::add: epoll_ctl(ADD) with the mode's EPOLLET and a fresh key in data.u64, "
            "never 0; the epoll fd is close-on-exec (README §2.1)")
{
    for (const chat::Mode mode : kModes) {
        room::Reactor reactor(mode);
        const int flags = ::fcntl(reactor.epoll_fd(), F_GETFD);
        EXPECT_TRUE(flags >= 0 && (flags & FD_CLOEXEC) != 0)
            << "the epoll fd must be close-on-exec";
        Event a;
        Event b;
        const room::Key ka = reactor.add(a.fd.get(), EPOLLIN, [](std::uint32_t) {});
        const room::Key kb = reactor.add(b.fd.get(), EPOLLIN | EPOLLOUT, [](std::uint32_t) {});
        EXPECT_NE(ka, 0u);
        EXPECT_NE(kb, 0u);
        EXPECT_NE(ka, kb);
        EXPECT_EQ(reactor.size(), 2u);
        EXPECT_TRUE(reactor.contains(ka) && reactor.contains(kb));
        const auto found = testkit::epoll_registrations(reactor.epoll_fd());
        ASSERT_EQ(found.count(a.fd.get()), 1u) << name_of(mode) << ": fd not in the epoll set";
        ASSERT_EQ(found.count(b.fd.get()), 1u) << name_of(mode) << ": fd not in the epoll set";
        EXPECT_EQ(found.at(a.fd.get()) & (EPOLLIN | EPOLLOUT), static_cast<unsigned>(EPOLLIN));
        EXPECT_EQ(found.at(b.fd.get()) & (EPOLLIN | EPOLLOUT),
                  static_cast<unsigned>(EPOLLIN | EPOLLOUT));
        EXPECT_EQ((found.at(a.fd.get()) & EPOLLET) != 0, mode == chat::Mode::Et)
            << name_of(mode) << ": EPOLLET is for et only";
    }
}

GRADED_TEST(Reactor, DispatchesEachEventToItsHandlerByKey, 3,
            "run_once: one epoll_wait, then each event to the handler of the key in its data.u64 "
            "(README §2.1)")
{
    for (const chat::Mode mode : kModes) {
        auto [reactor, a, b, calls] = TwoEventsAndALog(mode);
        reactor.add(a.fd.get(), EPOLLIN, [&](std::uint32_t events) {
            calls.push_back((events & EPOLLIN) != 0 ? "a:in" : "a:?");
            a.drain();
        });
        reactor.add(b.fd.get(), EPOLLIN, [&](std::uint32_t) { calls.push_back("b"); });
        EXPECT_EQ(reactor.run_once(0), 0u) << name_of(mode) << ": nothing is ready yet";
        a.signal();
        EXPECT_EQ(run_once_or_wake(reactor, b, "run_once(-1) missed a readable eventfd"), 1u);
        ASSERT_EQ(calls, std::vector<std::string>{"a:in"}) << name_of(mode);
    }
}

GRADED_TEST(Reactor, KeysAreNeverReused, 3,
            "a key names one registration forever: the same fd added again gets a new key, so an "
            "old event never reaches a newcomer (README §2.1, mistake 10)")
{
    room::Reactor reactor(chat::Mode::Et);
    std::vector<room::Key> keys;
    for (int i = 0; i < 50; ++i) {
        Event e;  // the same fd number, most likely, every time
        const room::Key key = reactor.add(e.fd.get(), EPOLLIN, [](std::uint32_t) {});
        for (const room::Key old : keys)
            ASSERT_NE(key, old) << "key " << key << " was given out twice (fd " << e.fd.get()
                                << ")";
        keys.push_back(key);
        reactor.remove(key);
        EXPECT_FALSE(reactor.contains(key));
    }
    EXPECT_EQ(reactor.size(), 0u);
    reactor.remove(keys.front());  // unknown now: ignored
}

GRADED_TEST(Reactor, DropsAStaleEventAfterRemoveInTheSameTurn, 4,
            "Reactor::remove, run_once: a handler removes and closes another registration whose "
            "event is already in this turn's batch, and its fd number comes back at once: that "
            "event must be dropped, not delivered to the newcomer (README §2.1)")
{
    for (const chat::Mode mode : kModes) {
        room::Reactor reactor(mode);
        auto first = std::make_unique<Event>();
        auto second = std::make_unique<Event>();
        std::unique_ptr<Event> newcomer;
        int newcomer_calls = 0;
        int removed_calls = 0;
        room::Key keys[2] = {0, 0};
        std::unique_ptr<Event>* events[2] = {&first, &second};
        // Whichever handler runs first removes the other (whose event is already in the batch),
        // closes its fd and registers a fresh eventfd, which gets the same number and is NOT
        // readable: any call to the newcomer's handler in this turn is a stale event.
        for (int me = 0; me < 2; ++me) {
            keys[me] = reactor.add((*events[me])->fd.get(), EPOLLIN, [&, me](std::uint32_t) {
                if (newcomer) {
                    ++removed_calls;
                    return;
                }
                const int other = 1 - me;
                const int old_fd = (*events[other])->fd.get();
                reactor.remove(keys[other]);
                events[other]->reset();
                newcomer = std::make_unique<Event>();
                ASSERT_EQ(newcomer->fd.get(), old_fd) << "test setup: the fd number was not reused";
                reactor.add(newcomer->fd.get(), EPOLLIN, [&](std::uint32_t) { ++newcomer_calls; });
            });
        }
        first->signal();
        second->signal();
        reactor.run_once(0);
        ASSERT_TRUE(newcomer) << name_of(mode) << ": no handler ran";
        EXPECT_EQ(newcomer_calls, 0)
            << name_of(mode) << ": the event of a removed registration reached the new one that "
            << "got its fd number: events must carry keys, and a removed key's events be dropped";
        EXPECT_EQ(removed_calls, 0) << name_of(mode) << ": a removed handler was called";
        reactor.run_once(0);
        EXPECT_EQ(newcomer_calls, 0) << name_of(mode) << ": the newcomer is not readable";
    }
}

namespace {

// For HandlerMayRemoveItself: globals, because the handler must not touch its own captures after
// it removed itself; only these tell whether it still exists.
room::Reactor* g_reactor = nullptr;
room::Key g_key = 0;
std::weak_ptr<int> g_token;
bool g_alive_after_remove = false;

}  // namespace

GRADED_TEST(
    Reactor, AHandlerMayRemoveItself, 3,
    "Reactor::remove: a client's handler removes its own key when the client leaves: remove must "
    "keep the running handler alive until the end of the turn, then destroy it (README §2.1)")
{
    for (const chat::Mode mode : kModes) {
        room::Reactor reactor(mode);
        Event e;
        auto token = std::make_shared<int>(42);
        g_reactor = &reactor;
        g_token = token;
        g_alive_after_remove = false;
        g_key = reactor.add(e.fd.get(), EPOLLIN, [token](std::uint32_t) {
            g_reactor->remove(g_key);
            // The handler (and the token it holds) must still exist here.
            g_alive_after_remove = !g_token.expired();
        });
        token.reset();  // from now on only the handler holds it
        e.signal();
        reactor.run_once(0);
        EXPECT_TRUE(g_alive_after_remove)
            << name_of(mode) << ": remove() destroyed the handler while it was running";
        EXPECT_TRUE(g_token.expired())
            << name_of(mode) << ": the removed handler still exists after the turn (a leak)";
        EXPECT_FALSE(reactor.contains(g_key));
        EXPECT_EQ(reactor.size(), 0u);
        g_reactor = nullptr;
    }
}

GRADED_TEST(Reactor, ModifyChangesWhatIsWaitedFor, 3,
            "Reactor::modify: EPOLL_CTL_MOD with the mode's EPOLLET, the key kept; an unknown key "
            "is std::out_of_range (README §2.1)")
{
    for (const chat::Mode mode : kModes) {
        room::Reactor reactor(mode);
        int pipe_fds[2];
        ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK), 0);
        const kit::Fd read_end(pipe_fds[0]);
        const kit::Fd write_end(pipe_fds[1]);
        std::vector<std::uint32_t> seen;
        // The write end of an empty pipe is writable, never readable.
        const room::Key key = reactor.add(write_end.get(), EPOLLIN,
                                          [&](std::uint32_t events) { seen.push_back(events); });
        EXPECT_EQ(reactor.run_once(0), 0u) << name_of(mode) << ": only EPOLLIN asked for";
        reactor.modify(key, EPOLLIN | EPOLLOUT);
        const auto found = testkit::epoll_registrations(reactor.epoll_fd());
        ASSERT_EQ(found.count(write_end.get()), 1u);
        EXPECT_EQ(found.at(write_end.get()) & (EPOLLIN | EPOLLOUT),
                  static_cast<unsigned>(EPOLLIN | EPOLLOUT));
        EXPECT_EQ((found.at(write_end.get()) & EPOLLET) != 0, mode == chat::Mode::Et)
            << name_of(mode) << ": modify must keep the mode's EPOLLET";
        EXPECT_EQ(reactor.run_once(0), 1u) << name_of(mode) << ": EPOLLOUT was asked for";
        ASSERT_EQ(seen.size(), 1u);
        EXPECT_NE(seen[0] & EPOLLOUT, 0u);
        reactor.modify(key, EPOLLIN | EPOLLOUT);  // unchanged: fine
        reactor.modify(key, EPOLLIN);
        EXPECT_EQ(reactor.run_once(0), 0u) << name_of(mode) << ": EPOLLOUT is off again";
        EXPECT_THROW(reactor.modify(key + 1000, EPOLLIN), std::out_of_range);
        reactor.remove(key);
    }
}

GRADED_TEST(Reactor, CallAgainDispatchesWithoutANewEvent, 4,
            "Reactor::call_again, run_once: a handler that stopped at its read budget asks "
            "call_again: the next turn calls it with EPOLLIN without waiting, though "
            "edge-triggered epoll reports nothing new (README §2.4)")
{
    room::Reactor reactor(chat::Mode::Et);
    int pipe_fds[2];
    ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK), 0);
    const kit::Fd read_end(pipe_fds[0]);
    const kit::Fd write_end(pipe_fds[1]);
    Event waker;  // ends a turn that would otherwise wait forever
    reactor.add(waker.fd.get(), EPOLLIN, [&](std::uint32_t) { waker.drain(); });
    std::string got;
    room::Key key = 0;
    // A read budget of one byte per call: three bytes take three calls, and one edge.
    key = reactor.add(read_end.get(), EPOLLIN, [&](std::uint32_t events) {
        ASSERT_NE(events & EPOLLIN, 0u);
        char byte = 0;
        if (::read(read_end.get(), &byte, 1) == 1) {
            got += byte;
            reactor.call_again(key);
        }
    });
    ASSERT_EQ(::write(write_end.get(), "abc", 3), 3);
    EXPECT_EQ(run_once_or_wake(reactor, waker, "the first turn missed the pipe's data"), 1u);
    EXPECT_EQ(got, "a");
    EXPECT_EQ(run_once_or_wake(reactor, waker,
                               "a turn with a call_again pending waited in epoll_wait: it must "
                               "use timeout 0, the bytes are already there"),
              1u);
    EXPECT_EQ(got, "ab");
    EXPECT_EQ(run_once_or_wake(reactor, waker, "the third call did not come"), 1u);
    EXPECT_EQ(got, "abc");
    // The next call finds the pipe empty and asks for nothing: then the reactor waits again.
    EXPECT_EQ(reactor.run_once(0), 1u);
    EXPECT_EQ(reactor.run_once(0), 0u) << "nobody asked for another call";
    // A key removed while its call_again is pending is not called.
    ASSERT_EQ(::write(write_end.get(), "d", 1), 1);
    reactor.run_once(0);
    EXPECT_EQ(got, "abcd");
    reactor.remove(key);
    EXPECT_EQ(reactor.run_once(0), 0u) << "a removed key's pending call_again was dispatched";
}

GRADED_TEST(Reactor, RunsTheEndOfTurnHookAfterEveryHandler, 3,
            "run_once: the end-of-turn hook runs once per turn, after the events and the "
            "call_again handlers: where the server writes every buffer once (README §2.1, §3.3)")
{
    for (const chat::Mode mode : kModes) {
        auto [reactor, a, b, order] = TwoEventsAndALog(mode);
        room::Key ka = 0;
        bool again = true;
        ka = reactor.add(a.fd.get(), EPOLLIN, [&](std::uint32_t) {
            order.push_back("a");
            a.drain();
            if (std::exchange(again, false)) reactor.call_again(ka);
        });
        reactor.add(b.fd.get(), EPOLLIN, [&](std::uint32_t) {
            order.push_back("b");
            b.drain();
        });
        reactor.set_end_of_turn([&] { order.push_back("end"); });
        a.signal();
        b.signal();
        EXPECT_EQ(reactor.run_once(0), 2u);
        ASSERT_EQ(order.size(), 3u) << name_of(mode);
        EXPECT_EQ(order.back(), "end") << name_of(mode);
        order.clear();
        EXPECT_EQ(reactor.run_once(0), 1u) << name_of(mode) << ": the call_again of a";
        EXPECT_EQ(order, (std::vector<std::string>{"a", "end"})) << name_of(mode);
        order.clear();
        EXPECT_EQ(reactor.run_once(0), 0u);
        EXPECT_EQ(order, std::vector<std::string>{"end"}) << name_of(mode) << ": an empty turn";
    }
}

GRADED_TEST(Reactor, ASignalMakesAnEmptyTurnNotAnError, 3,
            "epoll_wait fails with EINTR when a signal's handler runs (a profiler, a debugger): "
            "that turn is empty, run_once returns 0, it does not throw (README §2.2)")
{
    room::Reactor reactor(chat::Mode::Et);
    Event e;
    int calls = 0;
    reactor.add(e.fd.get(), EPOLLIN, [&](std::uint32_t) {
        ++calls;
        e.drain();
    });
    std::size_t returned = 99;
    const std::string error = testkit::interrupt_blocked_call(
        [&] { returned = reactor.run_once(-1); }, [&] { e.signal(); });
    ASSERT_TRUE(error.empty()) << "run_once threw after a signal interrupted epoll_wait: " << error;
    EXPECT_EQ(returned, 0u) << "the interrupted turn should be empty";
    EXPECT_EQ(calls, 0);
    EXPECT_EQ(reactor.run_once(0), 1u) << "the next turn sees the event";
    EXPECT_EQ(calls, 1);
}
