//! Prints the text of each article exactly as `stance` reads it — the text
//! every `start`/`end` offset points into (for HTML, the extracted visible
//! text). Usage: `cargo run --release --example show_text -- PATHS…`

use stance::input::{articles, InputArgs, Item};

fn main() -> anyhow::Result<()> {
    let paths = std::env::args_os().skip(1).map(Into::into).collect();
    for item in articles(&InputArgs::new(paths))? {
        match item {
            Item::Article(a) => {
                println!("==> {} <==", a.doc);
                for w in &a.warnings {
                    println!("(warning: {w})");
                }
                println!("{}\n", a.text);
            }
            Item::Skipped { doc, reason } => eprintln!("skipped {doc}: {reason}"),
        }
    }
    Ok(())
}
