//! The HTTP plumbing shared by every stand-in: a listener whose connections can be cut from
//! inside a handler (to simulate "the server stored it, then the line went dead"), and a
//! shutdown signal that long sleeps can listen to.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::Response;
use axum::serve::IncomingStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Put this in a response's extensions to have the connection closed instead of answered.
/// The handler has already done its work (for example stored an invoice); the client sees
/// the connection die before any byte of the response.
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

/// Cuts one connection.
#[derive(Debug, Default)]
pub struct KillSwitch {
    killed: AtomicBool,
    wakers: Mutex<Vec<Waker>>,
}

impl KillSwitch {
    pub fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
        let wakers = std::mem::take(&mut *self.wakers.lock().unwrap_or_else(|e| e.into_inner()));
        for w in wakers {
            w.wake();
        }
    }

    fn is_killed(&self) -> bool {
        self.killed.load(Ordering::SeqCst)
    }

    fn register(&self, waker: &Waker) {
        let mut wakers = self.wakers.lock().unwrap_or_else(|e| e.into_inner());
        if !wakers.iter().any(|w| w.will_wake(waker)) {
            wakers.push(waker.clone());
        }
    }
}

/// What a handler can learn about its connection (through `ConnectInfo<ConnInfo>`).
#[derive(Debug, Clone)]
pub struct ConnInfo {
    pub remote: SocketAddr,
    pub kill: Arc<KillSwitch>,
}

impl Connected<IncomingStream<'_, SandboxListener>> for ConnInfo {
    fn connect_info(stream: IncomingStream<'_, SandboxListener>) -> Self {
        stream.remote_addr().clone()
    }
}

/// A TCP stream that fails every read and write once its switch is thrown, so hyper drops
/// the connection without writing the pending response.
pub struct KillableStream {
    inner: TcpStream,
    kill: Arc<KillSwitch>,
}

fn killed_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "connection cut by the sandbox",
    )
}

impl AsyncRead for KillableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.kill.is_killed() {
            return Poll::Ready(Err(killed_error()));
        }
        let res = Pin::new(&mut self.inner).poll_read(cx, buf);
        if res.is_pending() {
            self.kill.register(cx.waker());
            if self.kill.is_killed() {
                return Poll::Ready(Err(killed_error()));
            }
        }
        res
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.kill.is_killed() {
            return Poll::Ready(Err(killed_error()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.kill.is_killed() {
            return Poll::Ready(Err(killed_error()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The registry of open connections, so that shutdown can cut them all.
#[derive(Debug, Default)]
pub struct Connections {
    open: Mutex<Vec<Weak<KillSwitch>>>,
}

impl Connections {
    fn add(&self, k: &Arc<KillSwitch>) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.retain(|w| w.strong_count() > 0);
        open.push(Arc::downgrade(k));
    }

    pub fn kill_all(&self) {
        let open = std::mem::take(&mut *self.open.lock().unwrap_or_else(|e| e.into_inner()));
        for k in open.iter().filter_map(Weak::upgrade) {
            k.kill();
        }
    }
}

pub struct SandboxListener {
    inner: TcpListener,
    conns: Arc<Connections>,
}

impl SandboxListener {
    pub fn new(inner: TcpListener, conns: Arc<Connections>) -> Self {
        SandboxListener { inner, conns }
    }
}

impl axum::serve::Listener for SandboxListener {
    type Io = KillableStream;
    type Addr = ConnInfo;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, remote)) => {
                    let _ = stream.set_nodelay(true);
                    let kill = Arc::new(KillSwitch::default());
                    self.conns.add(&kill);
                    let io = KillableStream {
                        inner: stream,
                        kill: kill.clone(),
                    };
                    return (io, ConnInfo { remote, kill });
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(ConnInfo {
            remote: self.inner.local_addr()?,
            kill: Arc::new(KillSwitch::default()),
        })
    }
}

/// Outermost middleware: cuts the connection when the response asks for it.
pub async fn drop_connection_layer(req: Request, next: Next) -> Response {
    let conn = req.extensions().get::<ConnectInfo<ConnInfo>>().cloned();
    let resp = next.run(req).await;
    if resp.extensions().get::<DropConnection>().is_some() {
        if let Some(ConnectInfo(conn)) = conn {
            conn.kill.kill();
        }
    }
    resp
}

/// A clonable "the sandbox is stopping" signal.
#[derive(Debug, Clone)]
pub struct Shutdown {
    rx: watch::Receiver<bool>,
}

impl Shutdown {
    pub fn new() -> (watch::Sender<bool>, Shutdown) {
        let (tx, rx) = watch::channel(false);
        (tx, Shutdown { rx })
    }

    /// Resolves once shutdown has begun.
    pub async fn wait(&self) {
        let mut rx = self.rx.clone();
        let _ = rx.wait_for(|stopping| *stopping).await;
    }

    /// Sleeps, but wakes early when the sandbox stops. Returns false if cut short.
    pub async fn sleep(&self, d: Duration) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(d) => true,
            _ = self.wait() => false,
        }
    }
}

/// Is `path` the stand-in's own, mounted under `prefix` (`/silvasoft`): the prefix itself or
/// below it, not `/silvasoftx` (for the request log).
pub fn is_under(prefix: &str, path: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::is_under;

    #[test]
    fn a_path_is_under_a_prefix_only_at_a_segment_boundary() {
        assert!(is_under("/silvasoft", "/silvasoft"));
        assert!(is_under("/silvasoft", "/silvasoft/rest/listrelations/"));
        assert!(!is_under("/silvasoft", "/silvasoftx/rest"));
        assert!(!is_under("/silvasoft", "/demo/api/persons"));
    }
}
