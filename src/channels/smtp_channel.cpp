#include "channels/smtp_channel.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string_view>

#include "channels/email_message.h"

namespace au::channels {

namespace {

// The SMTP step a reply answers: curl's error codes alone cannot tell a refused recipient
// (the address is bad) from a refused sender or content (our side is wrong).
enum class Step { Connect, Ehlo, StartTls, Auth, MailFrom, RcptTo, Data, Content };

const char* step_name(Step s) {
  switch (s) {
    case Step::Connect: return "connect";
    case Step::Ehlo: return "ehlo";
    case Step::StartTls: return "starttls";
    case Step::Auth: return "auth";
    case Step::MailFrom: return "mail";
    case Step::RcptTo: return "rcpt";
    case Step::Data: return "data";
    case Step::Content: return "content";
  }
  return "?";
}

struct Tracker {
  Step step = Step::Connect;
  int last_code = 0;  // the last SMTP reply code before QUIT, 0 when none came
  bool quitting = false;
};

// Watches the SMTP dialogue through curl's debug hook. Only the command verb and the reply
// code are looked at: command arguments (addresses, AUTH data) and content are not kept.
int on_debug(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  auto* t = static_cast<Tracker*>(user);
  if (t->quitting) return 0;  // curl's QUIT after a failure must not hide the failure
  std::string_view text(data, size);
  if (type == CURLINFO_HEADER_OUT) {
    auto verb = [&](std::string_view v) {
      return text.size() >= v.size() && strncasecmp(text.data(), v.data(), v.size()) == 0;
    };
    if (verb("EHLO") || verb("HELO")) t->step = Step::Ehlo;
    else if (verb("STARTTLS")) t->step = Step::StartTls;
    else if (verb("AUTH")) t->step = Step::Auth;
    else if (verb("MAIL FROM")) t->step = Step::MailFrom;
    else if (verb("RCPT TO")) t->step = Step::RcptTo;
    else if (verb("DATA")) t->step = Step::Data;
    else if (verb("QUIT")) t->quitting = true;
    // anything else (AUTH LOGIN continuation lines) belongs to the current step
  } else if (type == CURLINFO_DATA_OUT) {
    t->step = Step::Content;
  } else if (type == CURLINFO_HEADER_IN && size >= 3) {
    int code = 0;
    for (int i = 0; i < 3; ++i) {
      if (data[i] < '0' || data[i] > '9') return 0;
      code = code * 10 + (data[i] - '0');
    }
    t->last_code = code;
  }
  return 0;
}

struct Upload {
  std::string_view data;
  std::size_t pos = 0;
};

std::size_t on_read(char* buffer, std::size_t size, std::size_t n, void* user) {
  auto* up = static_cast<Upload*>(user);
  std::size_t count = std::min(size * n, up->data.size() - up->pos);
  std::memcpy(buffer, up->data.data() + up->pos, count);
  up->pos += count;
  return count;
}

SendResult failure(SendOutcome outcome, std::string reason) {
  SendResult r;
  r.outcome = outcome;
  r.reason = std::move(reason);
  return r;
}

std::string with_code(const char* text, int code) {
  return code ? std::string(text) + " (SMTP " + std::to_string(code) + ")" : std::string(text);
}

SendResult classify(CURLcode rc, const Tracker& t) {
  const int code = t.last_code;
  if (code >= 400 && code < 500)
    return failure(SendOutcome::TemporaryFailure, with_code("il server di posta ha chiesto di riprovare più tardi", code));
  if (code >= 500 && t.step == Step::RcptTo)
    return failure(SendOutcome::PermanentFailure, with_code("indirizzo email inesistente o che rifiuta i messaggi", code));
  if (rc == CURLE_LOGIN_DENIED || (code >= 500 && t.step == Step::Auth))
    return failure(SendOutcome::TechnicalFailure, with_code("il server di posta ha rifiutato le credenziali", code));
  if (code >= 500 && (t.step == Step::MailFrom || t.step == Step::Data || t.step == Step::Content))
    return failure(SendOutcome::TechnicalFailure, with_code("il server di posta ha rifiutato il messaggio", code));
  switch (rc) {
    case CURLE_USE_SSL_FAILED:
      return failure(SendOutcome::TechnicalFailure,
                     "il server di posta non offre la connessione cifrata (STARTTLS) richiesta dalla configurazione");
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
      return failure(SendOutcome::TechnicalFailure,
                     "connessione cifrata con il server di posta non riuscita (certificato o TLS)");
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_WEIRD_SERVER_REPLY:
      if (code < 500)  // no refusal came: the connection failed, dropped or stalled
        return failure(SendOutcome::TemporaryFailure, "server di posta non raggiungibile o connessione interrotta");
      break;
    default:
      break;
  }
  return failure(SendOutcome::TechnicalFailure, with_code("invio email non riuscito per un errore tecnico", code));
}

}  // namespace

struct SmtpChannel::Handle {
  CURL* curl = nullptr;
  Tracker tracker;
  ~Handle() {
    if (curl) curl_easy_cleanup(curl);  // sends QUIT on the open connection
  }
};

SmtpChannel::SmtpChannel(SmtpSettings settings) : settings_(std::move(settings)), handle_(std::make_unique<Handle>()) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* h = handle_->curl = curl_easy_init();
  if (!h) return;  // send() reports it
  // Everything that does not change between sends is set once: curl reuses the connection
  // only while the options that shape it (URL, TLS, credentials) stay the same.
  curl_easy_setopt(h, CURLOPT_URL, settings_.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, settings_.timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, settings_.timeout_ms);
  curl_easy_setopt(h, CURLOPT_USE_SSL, settings_.require_tls ? static_cast<long>(CURLUSESSL_ALL)
                                                             : static_cast<long>(CURLUSESSL_TRY));
  if (!settings_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, settings_.ca_file.c_str());
  if (!settings_.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, settings_.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, settings_.password.c_str());
  }
  std::string mail_from = "<" + settings_.from_address + ">";
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from.c_str());  // curl copies string options
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
  // VERBOSE only feeds on_debug (nothing is printed once a debug function is set).
  curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
  curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
  curl_easy_setopt(h, CURLOPT_DEBUGDATA, &handle_->tracker);
}

SmtpChannel::~SmtpChannel() = default;

SendResult SmtpChannel::send(const OutgoingNotification& n) {
  try {
    if (!email_address_problem(n.address).empty()) {
      spdlog::warn("email: notification {} not sent: invalid recipient address", n.id);
      return failure(SendOutcome::PermanentFailure, "indirizzo email non valido");
    }
    CURL* h = handle_->curl;
    if (!h) return failure(SendOutcome::TechnicalFailure, "invio email non disponibile (inizializzazione non riuscita)");

    EmailMessage m;
    m.from_address = settings_.from_address;
    m.from_name = settings_.from_name;
    m.to_address = n.address;
    m.subject = n.subject;
    m.text = n.body;
    m.html = n.html;
    m.idempotency_key = n.idempotency_key;
    m.date = std::chrono::system_clock::now();
    m.unsubscribe_url = n.unsubscribe_url;
    std::string text, message_id;
    try {
      message_id = message_id_for(m.idempotency_key, m.from_address);
      text = render_email(m);
    } catch (const std::invalid_argument& e) {
      // e.what() names the field, never its value.
      spdlog::error("email: notification {} not renderable: {}", n.id, e.what());
      return failure(SendOutcome::TechnicalFailure, "messaggio email non valido (intestazioni o mittente)");
    }

    Upload upload{text};
    std::string rcpt = "<" + n.address + ">";
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpts(curl_slist_append(nullptr, rcpt.c_str()),
                                                                        curl_slist_free_all);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts.get());
    curl_easy_setopt(h, CURLOPT_READDATA, &upload);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(text.size()));
    handle_->tracker = Tracker{};
    CURLcode rc = curl_easy_perform(h);
    // The list and the upload die with this call: curl must not keep pointers to them.
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, nullptr);
    curl_easy_setopt(h, CURLOPT_READDATA, nullptr);

    if (rc == CURLE_OK) {
      spdlog::info("email: notification {} delivered", n.id);
      SendResult r;
      r.outcome = SendOutcome::Delivered;
      r.provider_ref = message_id;
      return r;
    }
    const Tracker& t = handle_->tracker;
    SendResult r = classify(rc, t);
    spdlog::warn("email: notification {} failed at {} (smtp {}, curl {}: {})", n.id, step_name(t.step), t.last_code,
                 static_cast<int>(rc), curl_easy_strerror(rc));
    return r;
  } catch (const std::exception& e) {
    spdlog::error("email: notification {} failed unexpectedly: {}", n.id, e.what());
    return failure(SendOutcome::TechnicalFailure, "errore interno durante l'invio dell'email");
  }
}

ChannelFactory smtp_channel_factory(SmtpSettings settings) {
  return [settings = std::move(settings)]() -> std::unique_ptr<Channel> {
    if (settings.url.empty() || settings.from_address.empty()) return nullptr;
    return std::make_unique<SmtpChannel>(settings);
  };
}

}  // namespace au::channels
