/// @file redis_reactor_adapter.h
/// @brief lab05 stage 5b, README §8 (interface given, you write redis_reactor_adapter.cpp):
/// hiredis's asynchronous client driven by the lab's own Reactor.
///
/// hiredis's async API (`<hiredis/async.h>`) does no waiting of its own. It asks its caller's event
/// loop, through five hooks in `redisAsyncContext::ev`, to watch its socket, and expects to be told
/// when the socket is ready (README §8.2):
///
///     hiredis wants to read (a reply may come)   ──► ev.addRead(ev.data)   / ev.delRead
///     hiredis has bytes to send (a command)      ──► ev.addWrite(ev.data)  / ev.delWrite
///     the context is being freed                 ──► ev.cleanup(ev.data)   (the last call)
///     the loop sees the socket readable          ──► redisAsyncHandleRead(context)
///     the loop sees the socket writable          ──► redisAsyncHandleWrite(context)
///
/// hiredis ships such adapters for libevent, libuv and Redis's own `ae`; this one puts the socket on
/// room::Reactor, one registration per context, whose mask is exactly what hiredis asked for.
#pragma once

#include <hiredis/async.h>

#include <cstdint>

#include "lab03_epoll_server/chat_server.h"  // chat::Mode
#include "lab05_full_chat/reactor.h"

namespace room {

/// @brief One redisAsyncContext on a Reactor: what `context->ev.data` points to. Made by
/// attach_to_reactor(); freed by the cleanup hook (redis_cleanup), never by anyone else.
struct RedisWatch {
    Reactor& reactor;            ///< the loop the socket is registered with
    redisAsyncContext* context;  ///< the hiredis context whose socket this is
    chat::Mode mode;             ///< the reactor's mode: under Et the handler re-arms (§8.2)
    Key key = 0;                 ///< the socket's registration; 0 while hiredis waits for nothing
    std::uint32_t events = 0;    ///< what hiredis asked for: EPOLLIN and/or EPOLLOUT, or 0
};

// ----- yours, in redis_reactor_adapter.cpp ---------------------------------------------------

/// @brief Make @p watch's registration wait for exactly @p events (EPOLLIN, EPOLLOUT, both, or
/// 0): register the socket (`context->c.fd`) when hiredis starts wanting something, change the
/// mask when that changes, and remove the registration when it wants nothing (README §8.2). The
/// handler of the registration is redis_on_ready(). No change: no system call.
/// @throws kit::SysError if the reactor's epoll_ctl fails.
void redis_watch(RedisWatch& watch, std::uint32_t events);

/// @brief The reactor's handler for @p watch's socket: readable (or hung up, or failed) ->
/// redisAsyncHandleRead; writable -> redisAsyncHandleWrite. Either may free the context, and with
/// it @p watch (hiredis then calls the cleanup hook): after each, touch @p watch again only if
/// its registration still exists. In chat::Mode::Et, re-arm the registration afterwards: hiredis
/// reads at most 16 KiB and writes once per call, so bytes may be left that no new edge reports.
void redis_on_ready(RedisWatch& watch, std::uint32_t events);

/// @brief hiredis's addRead hook: @p data is the RedisWatch. Add EPOLLIN to what it waits for.
void redis_add_read(void* data);
/// @brief hiredis's delRead hook: take EPOLLIN out of what @p data's RedisWatch waits for.
void redis_del_read(void* data);
/// @brief hiredis's addWrite hook: add EPOLLOUT.
void redis_add_write(void* data);
/// @brief hiredis's delWrite hook: take EPOLLOUT out.
void redis_del_write(void* data);
/// @brief hiredis's cleanup hook, its last call for this context: remove the registration, clear
/// `context->ev.data` and free the RedisWatch. Safe inside redis_on_ready() (the Reactor keeps a
/// running handler alive until the end of its turn).
void redis_cleanup(void* data);

// ----- given, in redis_reactor_adapter_helpers.cpp ------------------------------------------

/// @brief Attach @p context to @p reactor: a new RedisWatch in `context->ev.data` and the five
/// hooks above in `context->ev`. The socket is registered only once hiredis asks for something.
/// @return REDIS_OK, or REDIS_ERR if @p context already has an event loop (ev.data is set).
int attach_to_reactor(redisAsyncContext* context, Reactor& reactor, chat::Mode mode);

}  // namespace room
