//! The configuration the soak suite reloads: one always-allowed entry whose name carries the
//! version (so every write is a real change), the toggled upstream B, and the three faulty
//! upstreams; written into a directory laid out as a Kubernetes ConfigMap volume.

use std::fs;
use std::io;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use crate::upstream::{HOSTS, UPSTREAM_PORT};

fn entry(name: &str, host: &str, port: u16) -> String {
    format!(
        "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\n\
         metadata: {{name: {name}, namespace: default}}\n\
         spec: {{hosts: [{name}.example.com], addresses: ['{host}/32'], \
         ports: [{{number: {port}, name: tcp, protocol: TCP}}], location: MESH_EXTERNAL, resolution: NONE}}\n"
    )
}

/// The configuration at `version`, allowing B or not.
fn config(version: u64, allow_b: bool) -> String {
    let mut text = entry(&format!("a-v{version}"), HOSTS.a, UPSTREAM_PORT);
    if allow_b {
        text += &entry("b", HOSTS.b, UPSTREAM_PORT);
    }
    for (name, host) in [
        ("refuse", HOSTS.refuse),
        ("hole", HOSTS.hole),
        ("reset", HOSTS.reset),
    ] {
        text += &entry(name, host, UPSTREAM_PORT);
    }
    text
}

/// How a write reaches the file the proxy reads.
#[derive(Clone, Copy)]
enum Method {
    /// Through the visible name, truncating the file the proxy may be reading.
    InPlace,
    /// A temporary file renamed over the visible name.
    Rename,
    /// The kubelet's atomic `..data` symlink swap.
    DirSwap,
}

/// Writes configuration versions into `root/conf` (`entry.yaml -> ..data/entry.yaml`,
/// `..data -> ..<stamp>/`), by the three methods in turn.
pub(crate) struct Writer {
    n: u64,
    pub(crate) link: PathBuf,
    key: PathBuf,
    /// Writes per method: in place, rename, directory swap.
    pub(crate) counts: [u64; 3],
}

impl Writer {
    pub(crate) fn new(root: &Path) -> io::Result<Writer> {
        let link = root.join("conf");
        fs::create_dir(&link)?;
        let mut writer = Writer {
            n: 0,
            key: link.join("entry.yaml"),
            link,
            counts: [0; 3],
        };
        writer.swap(&config(0, true))?;
        Ok(writer)
    }

    fn swap(&mut self, text: &str) -> io::Result<()> {
        self.n += 1;
        let stamp = format!("..2026_01_01_00_00_00.{}", self.n);
        fs::create_dir(self.link.join(&stamp))?;
        fs::write(self.link.join(&stamp).join("entry.yaml"), text)?;
        let data = self.link.join("..data");
        let old = fs::read_link(&data).ok();
        let tmp = self.link.join("..data_tmp");
        symlink(&stamp, &tmp)?;
        fs::rename(&tmp, &data)?;
        let visible_is_link =
            fs::symlink_metadata(&self.key).is_ok_and(|m| m.file_type().is_symlink());
        if !visible_is_link {
            let tmp = self.link.join("..entry_tmp");
            symlink("..data/entry.yaml", &tmp)?;
            fs::rename(&tmp, &self.key)?;
        }
        if let Some(old) = old {
            let _ = fs::remove_dir_all(self.link.join(old));
        }
        Ok(())
    }

    pub(crate) fn write(&mut self, version: u64, allow_b: bool) -> io::Result<()> {
        let text = config(version, allow_b);
        let method = [Method::InPlace, Method::Rename, Method::DirSwap][(version % 3) as usize];
        self.counts[method as usize] += 1;
        match method {
            Method::InPlace => fs::write(&self.key, text),
            Method::Rename => {
                let tmp = self.link.join(".entry.yaml.tmp");
                fs::write(&tmp, text)?;
                fs::rename(&tmp, &self.key)
            }
            Method::DirSwap => self.swap(&text),
        }
    }
}
