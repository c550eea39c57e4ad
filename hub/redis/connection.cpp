// The public faces of the two clients: Connection (command_client.hpp) and Subscriber
// (pubsub_client.hpp). Each holds its client by shared_ptr, because coroutines and handlers in
// flight may outlive it.

#include "hub/redis/connection.hpp"

#include "hub/redis/command_client.hpp"
#include "hub/redis/pubsub_client.hpp"

namespace mi::redis {

struct Connection::Impl final : detail::CommandClient {
  using CommandClient::CommandClient;
};

Connection::Connection(boost::asio::any_io_executor executor, Endpoint endpoint, ConnectionOptions options,
                       const ScriptSet& scripts)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(endpoint), options, scripts)) {}

Connection::~Connection() { impl_->stop(); }

void Connection::start() { impl_->start(); }
void Connection::stop() { impl_->stop(); }
bool Connection::is_connected() const { return impl_->ready(); }
bool Connection::is_connected_any_thread() const { return impl_->usable_from_any_thread(); }
void Connection::set_on_connected(std::function<void()> callback) { impl_->set_on_connected(std::move(callback)); }
void Connection::set_on_server_changed(std::function<void()> callback) {
  impl_->set_on_server_changed(std::move(callback));
}

boost::asio::awaitable<Result> Connection::exec(std::vector<std::string> args) {
  return detail::CommandClient::exec(impl_, std::move(args));
}

boost::asio::awaitable<PipelineResult> Connection::exec_pipeline(std::vector<std::vector<std::string>> commands) {
  return detail::CommandClient::exec_pipeline(impl_, std::move(commands));
}

boost::asio::awaitable<Result> Connection::eval(std::string_view script_name, std::vector<std::string> keys,
                                                std::vector<std::string> args) {
  return detail::CommandClient::eval(impl_, script_name, std::move(keys), std::move(args));
}

std::uint64_t Connection::commands_sent() const { return impl_->commands_sent(); }
std::uint64_t Connection::commands_failed() const { return impl_->commands_failed(); }
std::uint64_t Connection::reconnects() const { return impl_->reconnects(); }

struct Subscriber::Impl final : detail::PubSubClient {
  using PubSubClient::PubSubClient;
};

Subscriber::Subscriber(boost::asio::any_io_executor executor, Endpoint endpoint, ConnectionOptions options,
                       MessageHandler on_message)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(endpoint), options, std::move(on_message))) {}

Subscriber::~Subscriber() { impl_->stop(); }

void Subscriber::start() { impl_->start(); }
void Subscriber::stop() { impl_->stop(); }
bool Subscriber::is_connected() const { return impl_->ready(); }
bool Subscriber::is_connected_any_thread() const { return impl_->usable_from_any_thread(); }
void Subscriber::rebuild() { impl_->rebuild(); }
void Subscriber::set_on_resubscribed(std::function<void()> callback) {
  impl_->set_on_resubscribed(std::move(callback));
}
void Subscriber::set_on_messages_end(std::function<void()> callback) { impl_->set_on_messages_end(std::move(callback)); }
void Subscriber::subscribe(const std::string& channel, std::function<void()> on_subscribed) {
  impl_->subscribe(channel, std::move(on_subscribed));
}
void Subscriber::unsubscribe(const std::string& channel) { impl_->unsubscribe(channel); }

}  // namespace mi::redis
