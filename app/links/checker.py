"""One URL, checked the way a careful visitor would (SPEC H5), with the standard library only.

- HEAD first; GET when the server refuses HEAD (405, 501) or breaks the exchange. The body is
  never read: the status and the Location header are all the check needs.
- Redirects are followed by hand, at most `max_redirects`, and every hop is checked again:
  http/https only, its host resolved once, refused when any of its addresses is private,
  loopback, link-local, multicast, reserved or otherwise not global (unless inside
  `allowed_networks`), and the connection made to that very address (no second resolution a
  DNS rebinding could change). Environment proxies are not used.
- A short timeout on each connection and each read, and a deadline on each request.
The answer is a LinkResult whose `reason` tells a contact, in French, why the link is broken.
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass
from typing import Callable, Iterable
from urllib.parse import quote, urljoin, urlsplit

REDIRECTS = frozenset({301, 302, 303, 307, 308})
HEAD_REFUSED = frozenset({405, 501})
DEADLINE_FACTOR = 3  # one request (connection, TLS, status and headers) lasts 3 timeouts at most
USER_AGENT = "Mozilla/5.0 (compatible; PortailOffreFormation-Liens/1.0)"

# Reasons (French, shown to contacts and managers).
TIMEOUT = "Délai dépassé"
TOO_MANY_REDIRECTS = "Trop de redirections"
PRIVATE_ADDRESS = "Adresse privée refusée"
UNKNOWN_HOST = "Nom de domaine inconnu"
INVALID_URL = "Adresse invalide"
CONNECTION_REFUSED = "Connexion refusée"
CONNECTION_FAILED = "Connexion impossible"
BAD_CERTIFICATE = "Certificat du site invalide"
TLS_FAILED = "Connexion sécurisée impossible"
BAD_ANSWER = "Réponse invalide du serveur"
NO_LOCATION = "Redirection sans destination"
UNEXPECTED = "Erreur inattendue"


def status_reason(status: int) -> str:
    if status == 404:
        return "Page introuvable (404)"
    if status == 410:
        return "Page supprimée (410)"
    if status in (401, 403):
        return f"Accès refusé ({status})"
    if status == 429:
        return "Trop de requêtes (429)"
    if status >= 500:
        return f"Erreur du serveur ({status})"
    return f"Requête refusée ({status})"


@dataclass(frozen=True)
class Policy:
    timeout: float = 5.0
    max_redirects: int = 5
    allowed_networks: tuple = ()  # ipaddress networks the check may reach although not global

    @classmethod
    def from_config(cls, config) -> "Policy":
        return cls(timeout=float(config.get("LINK_CHECK_TIMEOUT", 5)),
                   max_redirects=int(config.get("LINK_CHECK_MAX_REDIRECTS", 5)),
                   allowed_networks=tuple(ipaddress.ip_network(n, strict=False)
                                          for n in config.get("LINK_CHECK_ALLOWED_NETWORKS") or ()))

    def allows(self, address: str) -> bool:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 scope (fe80::1%eth0) is not part of it
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if any(ip in network for network in self.allowed_networks):
            return True
        return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                                     or ip.is_reserved or ip.is_unspecified)


@dataclass(frozen=True)
class LinkResult:
    url: str
    ok: bool
    status: int | None = None
    final_url: str | None = None
    reason: str | None = None


class Broken(Exception):
    """The link cannot be followed further; `reason` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # ASCII (IDNA)
    port: int
    path: str  # the request target: path and query, percent-encoded

    @classmethod
    def parse(cls, url: str) -> "Target":
        try:
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme and scheme not in ("http", "https"):
                raise Broken(f"Protocole non pris en charge ({scheme[:20]})")
            if not scheme or not parts.hostname:
                raise Broken(INVALID_URL)
            host = parts.hostname.encode("idna").decode("ascii") if not parts.hostname.isascii() else parts.hostname
            port = parts.port or (443 if scheme == "https" else 80)
        except (ValueError, UnicodeError):
            raise Broken(INVALID_URL) from None
        safe = "/%:@!$&'()*+,;=-._~"
        path = quote(parts.path or "/", safe=safe) + (f"?{quote(parts.query, safe=safe + '?')}" if parts.query else "")
        return cls(scheme, host, port, path)


Resolver = Callable[..., list]


class CachedResolver:
    """getaddrinfo remembered for one run: a region's formations share a few hundred hosts, and
    each is resolved once (unknown names included). Bounded; safe across the pool's threads (a race
    costs a duplicate lookup, nothing more)."""

    def __init__(self, resolve: Resolver = socket.getaddrinfo, size: int = 20000):
        self.resolve, self.size, self.answers = resolve, size, {}

    def __call__(self, host, port, **options):
        key = (host, port)
        answer = self.answers.get(key)
        if answer is None:
            try:
                answer = (True, self.resolve(host, port, **options))
            except socket.gaierror as error:
                answer = (False, error)
            if len(self.answers) >= self.size:
                self.answers.clear()
            self.answers[key] = answer
        found, value = answer
        if not found:
            raise value
        return value


def addresses(target: Target, policy: Policy, resolve: Resolver = socket.getaddrinfo) -> list[str]:
    """The host's addresses, all of them allowed, else Broken (no connection is made)."""
    try:
        infos = resolve(target.host, target.port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise Broken(UNKNOWN_HOST) from None
    except (UnicodeError, ValueError):
        raise Broken(INVALID_URL) from None
    found = list(dict.fromkeys(info[4][0] for info in infos))
    if not found:
        raise Broken(UNKNOWN_HOST)
    if not all(policy.allows(address) for address in found):
        raise Broken(PRIVATE_ADDRESS)
    return found


def _connection(target: Target, address: str, timeout: float) -> http.client.HTTPConnection:
    if target.scheme == "https":
        connection = http.client.HTTPSConnection(target.host, target.port, timeout=timeout,
                                                 context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
    # Connect to the address checked above, not to a second resolution of the name; the Host
    # header, SNI and the certificate check keep the name. http.client (3.11–3.13) opens its
    # socket through this attribute, in HTTPConnection.connect, which HTTPSConnection wraps.
    connection._create_connection = lambda _address, timeout=None, source_address=None: socket.create_connection(
        (address, target.port), timeout, source_address)
    return connection


def _ask(method: str, target: Target, found: list[str], policy: Policy) -> tuple[int, str | None]:
    """(status, Location) of one request, trying the host's addresses in turn."""
    error: Exception | None = None
    for address in found:
        connection = _connection(target, address, policy.timeout)
        # The socket's timeout bounds each read; a server trickling its headers a byte at a time
        # would dodge it, so the whole exchange also has a deadline that shuts the socket down.
        expired = threading.Event()
        watchdog = threading.Timer(DEADLINE_FACTOR * policy.timeout, _expire, (connection, expired))
        watchdog.daemon = True
        watchdog.start()
        try:
            connection.request(method, target.path, headers={
                "User-Agent": USER_AGENT, "Accept": "*/*", "Connection": "close"})
            response = connection.getresponse()
            if expired.is_set():  # http.client takes the shut-down socket's end for the end of the headers
                raise TimeoutError
            return response.status, response.getheader("Location")
        except ConnectionRefusedError as exc:  # the next address may answer; anything else is final
            error = exc
        except Exception:
            if expired.is_set():
                raise TimeoutError from None
            raise
        finally:
            watchdog.cancel()
            connection.close()
    raise error  # type: ignore[misc]


def _expire(connection: http.client.HTTPConnection, expired: threading.Event) -> None:
    expired.set()
    sock = connection.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked read up
        except OSError:
            pass


def _status(target: Target, found: list[str], policy: Policy) -> tuple[int, str | None]:
    """HEAD, then GET when HEAD is refused or breaks the exchange."""
    try:
        status, location = _ask("HEAD", target, found, policy)
        if status not in HEAD_REFUSED:
            return status, location
    except (http.client.HTTPException, ConnectionResetError, ConnectionAbortedError):
        pass
    return _ask("GET", target, found, policy)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return TIMEOUT
    if isinstance(exc, ssl.SSLCertVerificationError):
        return BAD_CERTIFICATE
    if isinstance(exc, ssl.SSLError):
        return TLS_FAILED
    if isinstance(exc, ConnectionRefusedError):
        return CONNECTION_REFUSED
    if isinstance(exc, (http.client.HTTPException, ConnectionResetError)):
        return BAD_ANSWER
    if isinstance(exc, OSError):
        return CONNECTION_FAILED
    return UNEXPECTED


def check(url: str, policy: Policy = Policy(), resolve: Resolver = socket.getaddrinfo) -> LinkResult:
    """Follow `url` (as stored: surrounding spaces are ignored) and say whether it works."""
    current = url.strip()
    seen: set[str] = set()
    status = None
    for hop in range(policy.max_redirects + 1):
        try:
            target = Target.parse(current)
            status, location = _status(target, addresses(target, policy, resolve), policy)
        except Broken as broken:
            return LinkResult(url, False, status, current, broken.reason)
        except Exception as exc:  # noqa: BLE001  (one odd server never stops the whole check)
            return LinkResult(url, False, status, current, _reason(exc))
        if status in REDIRECTS:
            if not location:
                return LinkResult(url, False, status, current, f"{NO_LOCATION} ({status})")
            seen.add(current)
            current = urljoin(current, location.strip())
            if current in seen:  # a loop: no need to go round it up to the limit
                return LinkResult(url, False, status, current, TOO_MANY_REDIRECTS)
            continue
        if status >= 400:
            return LinkResult(url, False, status, current, status_reason(status))
        return LinkResult(url, True, status, current, None)
    return LinkResult(url, False, status, current, TOO_MANY_REDIRECTS)


def check_many(urls: Iterable[str], policy: Policy, pool, resolve: Resolver = socket.getaddrinfo
               ) -> Iterable[LinkResult]:
    """`check` over `urls` on the executor `pool` (its size bounds the concurrency), in order."""
    return pool.map(lambda url: check(url, policy, resolve), urls)
