/// @file address.h
/// @brief SocketAddress: turn "host" + port into a sockaddr for bind/connect, and back into text.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

namespace kit {

/// @brief An IPv4 or IPv6 socket address with its length, ready for \man{bind,2} or
/// \man{connect,2}.
struct SocketAddress {
    sockaddr_storage storage{};  ///< big enough for any address family
    socklen_t length = 0;        ///< the bytes of @c storage in use

    /// @brief AF_INET or AF_INET6.
    [[nodiscard]] int family() const noexcept { return storage.ss_family; }
    /// @brief For bind/connect: `bind(fd, addr.data(), addr.length)`.
    [[nodiscard]] const sockaddr* data() const noexcept
    {
        return reinterpret_cast<const sockaddr*>(&storage);
    }
    /// @brief For \man{getsockname,2}/accept, which write the address.
    [[nodiscard]] sockaddr* data() noexcept { return reinterpret_cast<sockaddr*>(&storage); }
    /// @brief The port in host byte order.
    [[nodiscard]] std::uint16_t port() const noexcept;
};

/// @brief Resolve a numeric address or a host name ("127.0.0.1", "::1", "localhost") and a port.
///
/// Returns the first address \man{getaddrinfo,3} gives for a TCP socket (IPv4 first for
/// "localhost").
/// @throws std::runtime_error naming the host when it cannot be resolved.
SocketAddress resolve_address(const std::string& host, std::uint16_t port);

/// @brief "127.0.0.1:8888" or "[::1]:8888", for log lines and error messages.
std::string to_string(const SocketAddress& address);

/// @brief "127.0.0.1:8888" from a host text and a port, with brackets around an IPv6 host.
std::string host_port(const std::string& host, std::uint16_t port);

}  // namespace kit
