// What the chat-room tests share: a fake Outbox that records every line, and a room built on it.
// No sockets: the room only ever talks to its Outbox (README §4.2), so a test reads exactly what
// each client would have been sent, in order.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lab05_full_chat/chat_room.h"

namespace roomtest {

using room::ClientId;

/// What each client was sent, in the order it was sent: client -> lines (each with its "\n").
using Lines = std::map<ClientId, std::vector<std::string>>;

/// An Outbox that keeps what the room sends, instead of writing it to sockets.
class FakeOutbox : public room::Outbox {
public:
    struct Sent {
        ClientId to = 0;
        std::string line;
    };

    void send(ClientId to, std::string_view line) override
    {
        sent_.push_back({to, std::string(line)});
    }
    void close_after_flush(ClientId who) override { closed_.push_back(who); }

    /// What each client was sent since the last take(), and forget it. Lines to different clients
    /// are kept apart: only the order of one client's lines shows on its socket.
    Lines take()
    {
        Lines lines;
        for (const Sent& s : sent_)
            lines[s.to].push_back(s.line);
        sent_.clear();
        return lines;
    }

    /// The clients the room asked to close since the last take_closed(), in order.
    std::vector<ClientId> take_closed()
    {
        std::vector<ClientId> closed;
        closed.swap(closed_);
        return closed;
    }

private:
    std::vector<Sent> sent_;
    std::vector<ClientId> closed_;
};

/// A room over a FakeOutbox.
struct World {
    explicit World(std::size_t max_clients = 100) : room(out, max_clients) {}

    /// Join clients @p ids (in this order) and forget what that sent.
    void join(std::initializer_list<ClientId> ids)
    {
        for (const ClientId id : ids) {
            if (!room.join(id)) ADD_FAILURE() << "join(" << id << ") refused a client";
        }
        out.take();
    }

    /// Member @p id sends @p line; returns what everybody was sent.
    Lines line(ClientId id, std::string_view text)
    {
        room.on_line(id, text);
        return out.take();
    }

    /// Member @p id takes the name @p nick (which must be free); forgets what was sent until now.
    void name(ClientId id, std::string_view nick)
    {
        const std::string command = "/nick " + std::string(nick);
        out.take();
        const Lines lines = line(id, command);
        const auto mine = lines.find(id);
        const std::string expected = "is now " + std::string(nick) + "\n";
        if (mine == lines.end() || mine->second.size() != 1 ||
            mine->second.front().size() < expected.size() ||
            mine->second.front().compare(mine->second.front().size() - expected.size(),
                                         expected.size(), expected) != 0) {
            ADD_FAILURE() << "test setup: after '" << command << "' member " << id
                          << " was not sent its one line '* ... is now " << nick
                          << "' (ChatRoom::nick, README §4.5)";
        }
    }

    FakeOutbox out;
    room::ChatRoom room;
};

}  // namespace roomtest
