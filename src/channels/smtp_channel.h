// The email channel: delivers a notification to an SMTP server (the region's relay, or a
// provider's submission port) with libcurl.
//
// Contract (beyond channel.h):
// - One SmtpChannel keeps ONE curl easy handle, so consecutive sends reuse the open SMTP
//   connection; a connection that died in between (server restarted, idle timeout) is noticed
//   by curl and replaced by a new one on the next send, so the object never needs recreating.
// - TLS: "smtps://" is TLS from the first byte; with "smtp://" STARTTLS is used when the server
//   offers it (CURLUSESSL_TRY), or demanded when require_tls (CURLUSESSL_ALL). The certificate
//   and host name are always verified, also in TRY mode (a bad certificate is a failure, never
//   a fall-back to plain text). ca_file replaces curl's default bundle file; Debian's libcurl
//   still consults the system directory /etc/ssl/certs, so public CAs keep working.
// - Envelope: MAIL FROM settings.from_address, RCPT TO notification.address. The message is
//   render_email() of the notification, Date = now, Message-ID = <idempotency_key@from-domain>.
//
// Outcomes:
//   Delivered         the server accepted the message (250 after DATA);
//                     provider_ref = the Message-ID.
//   PermanentFailure  RCPT TO answered 5xx (550, 551, 553, ...): the mailbox does not exist or
//                     refuses mail; or the recipient address fails email_address_problem().
//   TemporaryFailure  any 4xx reply at any step (greylisting, 421 busy, 451, 452 ...);
//                     connection refused, DNS failure, timeout, connection dropped.
//   TechnicalFailure  5xx at MAIL FROM, DATA or after the content (content or sender refused);
//                     authentication refused; TLS required but not offered (require_tls with a
//                     server that does not advertise STARTTLS: retrying would meet the same
//                     server, an operator must look); TLS handshake or certificate failure;
//                     a notification that cannot be rendered (CR/LF in the subject, a bad key);
//                     a malformed URL; anything unexpected.
// Reasons are Italian and carry at most the SMTP code, never the address or the content; the
// log (spdlog) carries the notification id, the outcome, the SMTP step and code.
#pragma once

#include <memory>
#include <string>

#include "channels/channel.h"

namespace au::channels {

struct SmtpSettings {
  std::string url;  // "smtp://127.0.0.1:2525", "smtps://host:465"; a path sets the EHLO name
  std::string from_address;
  std::string from_name = "UmbriaSemplice";
  std::string username, password;  // "" = no AUTH
  std::string ca_file;             // extra CA bundle (PEM) for STARTTLS/SMTPS, "" = system store
  bool require_tls = false;
  long timeout_ms = 10000;  // per send, connection included
};

class SmtpChannel final : public Channel {
 public:
  explicit SmtpChannel(SmtpSettings settings);
  ~SmtpChannel() override;
  SmtpChannel(const SmtpChannel&) = delete;
  SmtpChannel& operator=(const SmtpChannel&) = delete;

  SendResult send(const OutgoingNotification& n) override;

 private:
  struct Handle;
  SmtpSettings settings_;
  std::unique_ptr<Handle> handle_;
};

// nullptr from the factory when url or from_address is empty (email not configured).
ChannelFactory smtp_channel_factory(SmtpSettings settings);

}  // namespace au::channels
