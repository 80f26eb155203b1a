// Sample values of each message kind's fields (notification_template.h: sample_fields): what
// previews show and what templates are checked with when saved, at realistic lengths.
#include "domain/notification_template.h"

namespace au::domain {

using nlohmann::json;

json sample_fields(std::string_view kind) {
  const MessageKind* k = find_message_kind(kind);
  if (!k) return json::object();
  const std::string portal = "https://www.umbriasemplice.it";
  if (kind == "riepilogo-giornaliero")
    return {{"nome", "Maria Grazia"},
            {"numero", "3"},
            {"elenco",
             "Pratica protocollata: Autorizzazione passo carrabile - Via dei Priori 12\n\n"
             "Azione richiesta entro il 16/04/2026: documenti per la pratica Autorizzazione passo carrabile - "
             "Via dei Priori 12\n\nPromemoria: scadenza del 16/04/2026 per la pratica Autorizzazione passo "
             "carrabile - Via dei Priori 12"},
            {"portale_url", portal}};
  if (kind == "comunicazione")
    return {{"nome", "Maria Grazia"},
            {"oggetto", "Sospensione delle prenotazioni per la manutenzione del sistema"},
            {"testo",
             "Nelle giornate di sabato 18 e domenica 19 aprile il servizio di prenotazione degli "
             "appuntamenti dello Sportello unico per le attività produttive e per l'edilizia (SUAPE) "
             "non sarà disponibile per un intervento di manutenzione programmata.\n\n"
             "Le pratiche già presentate non subiscono alcuna modifica e i termini dei procedimenti "
             "continuano a decorrere regolarmente. Per urgenze è possibile scrivere all'indirizzo "
             "suape@comune.cittadicastello.pg.it indicando il codice della pratica."},
            {"portale_url", portal},
            {"servizio", "Sportello unico per le attività produttive e per l'edilizia (SUAPE)"},
            {"ente", "Comune di Città di Castello"}};

  const std::string id = "pr-4XkQ9mTz2LwB7nRcY8aV";
  json f = {{"nome", "Maria Grazia"},
            {"pratica_titolo", "Permesso di costruire per ampliamento di edificio residenziale"},
            {"pratica_id", id},
            {"pratica_url", portal + "/area-personale/pratiche/" + id},
            {"protocollo", "2026/0048213"},
            {"ente", "Comune di Città di Castello"},
            {"servizio", "Permesso di costruire"},
            {"stato", "In corso"},
            {"stato_ente", "Istruttoria tecnica in corso"},
            {"scadenza", "16/05/2026"},
            {"giorni", "60"},
            {"motivo", "Domanda presentata tramite lo Sportello unico per l'edilizia (SUAPE)."},
            {"portale_url", portal}};
  const std::string request =
      "Per completare l'istruttoria servono: la relazione tecnica asseverata firmata digitalmente dal "
      "progettista, gli elaborati grafici dello stato di progetto in formato PDF/A e la ricevuta del "
      "versamento dei diritti di segreteria (150,00 euro).";
  if (kind == "pratica-protocollata") {
    f["motivo"] = "Domanda registrata al protocollo generale dell'ente.";
  } else if (kind == "pratica-stato") {
    f["stato_ente"] = "Istruttoria tecnica";
    f["motivo"] = "È iniziata l'istruttoria tecnica: la responsabile del procedimento è l'arch. Paola Bianchi "
                  "dell'Ufficio Edilizia privata.";
  } else if (kind == "richiesta-integrazione") {
    f["stato"] = "Sospeso – azione dell'utente";
    f["stato_ente"] = "Richiesta integrazioni";
    f["scadenza"] = "16/04/2026";
    f["giorni"] = "30";
    f["motivo"] = request;
  } else if (kind == "preavviso-rigetto") {
    f["stato"] = "Sospeso – azione dell'utente";
    f["stato_ente"] = "Preavviso di diniego";
    f["scadenza"] = "27/03/2026";
    f["giorni"] = "10";
    f["motivo"] =
        "Il progetto prevede un aumento di volume superiore al 20% consentito dall'art. 4 delle norme "
        "tecniche del Piano regolatore generale per la zona B2, e manca il parere della Soprintendenza "
        "richiesto per le aree sottoposte a vincolo paesaggistico.";
  } else if (kind == "pratica-conclusa") {
    f["stato"] = "Concluso – esito positivo";
    f["stato_ente"] = "Permesso rilasciato";
    f["motivo"] = "Permesso di costruire n. 112/2026 rilasciato il 12/05/2026. I lavori devono iniziare entro "
                  "un anno dal rilascio e terminare entro tre anni dall'inizio.";
  } else if (kind == "messaggio-ente") {
    f["motivo"] = "Le comunichiamo che il sopralluogo presso l'immobile è fissato per martedì 21 aprile alle "
                  "ore 10:00. La preghiamo di garantire l'accesso ai locali o di indicarci una persona di "
                  "riferimento.";
  } else if (kind == "documento-disponibile") {
    f["motivo"] = "Ricevuta di avvenuta presentazione della domanda";
  } else if (kind == "promemoria-scadenza") {
    f["stato"] = "Sospeso – azione dell'utente";
    f["stato_ente"] = "Richiesta integrazioni";
    f["scadenza"] = "16/04/2026";
    f["giorni"] = "3";
    f["motivo"] = request;
  } else if (kind == "scadenza-superata") {
    f["nome"] = "Paola";
    f["scadenza"] = "02/03/2026";
    f["giorni"] = "5";
    f["motivo"] = "60 giorni dalla presentazione della domanda (art. 2 della legge 241/1990)";
  }
  return f;
}

}  // namespace au::domain
