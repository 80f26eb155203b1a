#include "domain/catalog.h"

namespace au::domain {

const char* to_string(EnteKind k) {
  switch (k) {
    case EnteKind::Regione: return "regione";
    case EnteKind::Provincia: return "provincia";
    case EnteKind::Comune: return "comune";
    case EnteKind::Usl: return "usl";
  }
  return "comune";
}

std::optional<EnteKind> ente_kind_from(const std::string& s) {
  if (s == "regione") return EnteKind::Regione;
  if (s == "provincia") return EnteKind::Provincia;
  if (s == "comune") return EnteKind::Comune;
  if (s == "usl") return EnteKind::Usl;
  return std::nullopt;
}

const char* to_string(ServiceStatus s) {
  switch (s) {
    case ServiceStatus::Attivo: return "attivo";
    case ServiceStatus::NonAttivo: return "non-attivo";
    case ServiceStatus::InSviluppo: return "in-sviluppo";
  }
  return "attivo";
}

const char* status_label(ServiceStatus s) {
  switch (s) {
    case ServiceStatus::Attivo: return "Servizio attivo";
    case ServiceStatus::NonAttivo: return "Servizio non attivo";
    case ServiceStatus::InSviluppo: return "Servizio in sviluppo";
  }
  return "Servizio attivo";
}

std::optional<ServiceStatus> service_status_from(const std::string& s) {
  if (s == "attivo") return ServiceStatus::Attivo;
  if (s == "non-attivo") return ServiceStatus::NonAttivo;
  if (s == "in-sviluppo") return ServiceStatus::InSviluppo;
  return std::nullopt;
}

const char* to_string(ChannelKind k) {
  switch (k) {
    case ChannelKind::Online: return "online";
    case ChannelKind::Office: return "office";
    case ChannelKind::Phone: return "phone";
    case ChannelKind::Email: return "email";
    case ChannelKind::Pec: return "pec";
  }
  return "online";
}

std::optional<ChannelKind> channel_kind_from(const std::string& s) {
  if (s == "online") return ChannelKind::Online;
  if (s == "office") return ChannelKind::Office;
  if (s == "phone") return ChannelKind::Phone;
  if (s == "email") return ChannelKind::Email;
  if (s == "pec") return ChannelKind::Pec;
  return std::nullopt;
}

}  // namespace au::domain
