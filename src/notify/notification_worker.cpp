#include "notify/notification_worker.h"

#include <spdlog/spdlog.h>

#include <random>

#include "domain/practice_projection.h"
#include "domain/utc_time.h"
#include "store/webhook_repository.h"

namespace au::notify {

using Clock = std::chrono::system_clock;

namespace {

std::int64_t epoch_ms(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Clock::time_point from_ms(std::int64_t ms) { return Clock::time_point(std::chrono::milliseconds(ms)); }

// "2026-11-27T10:15:00.250Z" (store::webhook_time) -> epoch ms.
std::optional<std::int64_t> parse_ms_time(const std::string& t) {
  if (t.size() != 24 || t[19] != '.') return std::nullopt;
  auto seconds = domain::parse_utc(t.substr(0, 19) + "Z");
  if (!seconds) return std::nullopt;
  return *seconds * 1000 + std::stoi(t.substr(20, 3));
}

double random01() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace

ChannelSet::ChannelSet(const std::map<std::string, channels::ChannelFactory>& factories) : factories_(factories) {}

channels::Channel* ChannelSet::get(const std::string& channel) {
  if (auto it = made_.find(channel); it != made_.end()) return it->second.get();
  auto f = factories_.find(channel);
  auto& slot = made_[channel];
  if (f != factories_.end() && f->second) slot = f->second();
  return slot.get();
}

NotificationWorker::NotificationWorker(store::Database& db, FanOut& fanout, ReminderScheduler& scheduler,
                                       std::map<std::string, channels::ChannelFactory> factories,
                                       WorkerSettings settings)
    : db_(db),
      fanout_(fanout),
      scheduler_(scheduler),
      factories_(std::move(factories)),
      settings_(std::move(settings)),
      journal_(db) {}

NotificationWorker::~NotificationWorker() { stop(); }

void NotificationWorker::start() {
  if (!threads_.empty()) return;
  stopping_ = false;
  for (unsigned i = 0; i < std::max(1u, settings_.threads); ++i) threads_.emplace_back([this, i] { loop(i); });
}

void NotificationWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    ++generation_;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void NotificationWorker::wake() {
  {
    std::lock_guard lock(mutex_);
    ++generation_;
  }
  cv_.notify_all();
}

SchedulerRun NotificationWorker::run_scheduler(Clock::time_point now) {
  return scheduler_.run(domain::rome_date(epoch_ms(now)), now);
}

DeliveryRun NotificationWorker::run_once(Clock::time_point now, ChannelSet& channels) {
  DeliveryRun run;
  run.fanned_out = fanout_.run_once(now);
  const std::string at = store::webhook_time(now);
  const std::string lease_until = store::webhook_time(now + settings_.lease);
  auto claimed = store::claim_due_deliveries(db_, at, lease_until, settings_.batch_size);
  const auto claimed_at = Clock::now();
  for (std::size_t i = 0; i < claimed.size(); ++i) {
    if (stopping_) {  // give the rest back at once rather than let the leases run out
      for (; i < claimed.size(); ++i)
        if (store::release_delivery(db_, claimed[i])) ++run.released;
      break;
    }
    // Each send moves the clock on: retry times count from when the answer came.
    const auto elapsed = Clock::now() - now;
    const auto send_at = now + std::max(Clock::duration::zero(), elapsed);
    // One lease covers the batch, sent one after another: past half of it, a send could outlive
    // the lease and meet another worker's copy. Renew first; if another worker already took the
    // delivery (our lease ran out), leave it to them.
    if (Clock::now() - claimed_at > settings_.lease / 2 &&
        !store::renew_delivery_lease(db_, claimed[i], store::webhook_time(send_at + settings_.lease))) {
      ++run.released;
      continue;
    }
    switch (deliver(claimed[i], channels, send_at)) {
      case Result::Delivered: ++run.delivered; break;
      case Result::Retrying: ++run.retrying; break;
      case Result::Failed: ++run.failed; break;
      case Result::Released: ++run.released; break;
    }
  }
  return run;
}

NotificationWorker::Result NotificationWorker::deliver(const store::ClaimedNotification& n, ChannelSet& channels,
                                                       Clock::time_point now) {
  channels::OutgoingNotification out;
  out.id = n.id;
  out.channel = n.channel;
  out.address = n.address;
  out.idempotency_key = n.idempotency_key;
  out.subject = n.subject;
  out.body = n.body;
  out.html = n.html;
  out.due_date = n.due_date;
  if (!n.unsubscribe_token.empty()) out.unsubscribe_url = settings_.base_url + "/disiscrizione/" + n.unsubscribe_token;
  if (n.channel == "webhook") out.secret = store::webhook_secret_of_message(db_, n.message_id);

  store::AttemptOutcome o;
  o.worker = settings_.worker_id;
  o.started_at = store::webhook_time(now);
  channels::SendResult r;
  const auto real_start = Clock::now();
  if (auto* ch = channels.get(n.channel)) {
    r = ch->send(out);
  } else {
    r.outcome = channels::SendOutcome::TechnicalFailure;
    r.reason = "canale " + n.channel + " non configurato su questo nodo";
  }
  // On the caller's clock (synthetic in tests): the start plus the real time the send took.
  const auto finished = now + (Clock::now() - real_start);
  o.finished_at = store::webhook_time(finished);
  o.reason = r.reason;
  o.provider_ref = r.provider_ref;
  Result result = Result::Failed;
  switch (r.outcome) {
    case channels::SendOutcome::Delivered:
      o.status = "delivered";
      result = Result::Delivered;
      break;
    case channels::SendOutcome::TemporaryFailure: {
      o.status = "temporary-failure";
      const std::int64_t now_ms = epoch_ms(finished);
      const std::int64_t first = parse_ms_time(n.first_attempt_at).value_or(now_ms);
      auto next = domain::next_retry_ms(settings_.retry, first, now_ms, n.attempts + 1, random01(),
                                        std::int64_t(r.retry_after_seconds) * 1000);
      if (next) {
        o.next_attempt_at = store::webhook_time(from_ms(*next));
        result = Result::Retrying;
      } else {
        o.reason = "non consegnato dopo 72 ore di tentativi: " + r.reason;
      }
      break;
    }
    case channels::SendOutcome::PermanentFailure:
      o.status = "permanent-failure";
      o.flag_address = true;
      break;
    case channels::SendOutcome::TechnicalFailure: o.status = "technical-failure"; break;
  }
  if (!journal_.record(n, o)) {
    spdlog::warn("notifiche: esito della consegna {} non registrato: lease scaduta", n.id);
    return Result::Released;
  }
  if (result == Result::Failed)
    spdlog::info("notifiche: consegna {} ({}) non riuscita: {}", n.id, n.channel, o.status);
  return result;
}

void NotificationWorker::loop(unsigned index) {
  ChannelSet channels(factories_);
  auto next_schedule = Clock::now();
  while (!stopping_) {
    std::uint64_t seen;
    {
      std::lock_guard lock(mutex_);
      seen = generation_;
    }
    DeliveryRun run;
    try {
      if (index == 0 && settings_.scheduler && Clock::now() >= next_schedule) {
        next_schedule = Clock::now() + settings_.scheduler_interval;
        auto s = run_scheduler(Clock::now());
        if (s.reminders + s.alerts > 0)
          spdlog::info("notifiche: {} promemoria e {} avvisi di scadenza creati", s.reminders, s.alerts);
      }
      run = run_once(Clock::now(), channels);
    } catch (const std::exception& e) {
      // Database trouble: claimed work comes back when its lease expires.
      spdlog::error("notifiche: ciclo del worker non riuscito: {}", e.what());
    }
    if (stopping_) break;
    if (run.claimed() >= static_cast<int>(settings_.batch_size) || run.fanned_out > 0) continue;  // more may be due
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, settings_.poll_interval, [&] { return stopping_.load() || generation_ != seen; });
  }
}

}  // namespace au::notify
