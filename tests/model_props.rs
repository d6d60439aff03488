//! Property tests: the vectoriser and the model never panic on arbitrary
//! text, and the same input always gives the same output.

use proptest::prelude::*;
use stance::features::{tokenize, Tokens, Vectorizer, VectorizerConfig};
use stance::model::Model;

fn fitted(cfg: VectorizerConfig) -> Vectorizer {
    let texts = [
        "They never wanted peace, not once!",
        "Wir wollen keinen Krieg — nicht jetzt",
        "Мы не готовы к переговорам",
        "No hope, no progress; nothing at all?",
        "we don't trust them",
    ];
    Vectorizer::fit(cfg, &texts).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn tokenizer_never_panics_and_tokens_are_clean(s in any::<String>()) {
        let mut t = Tokens::default();
        tokenize(&s, true, &mut t);
        for tok in t.iter() {
            prop_assert!(!tok.is_empty());
            prop_assert!(!tok.contains(' '), "token {:?} has a space", tok);
        }
    }

    #[test]
    fn vectoriser_is_deterministic_and_well_formed(
        s in "\\PC{0,200}",
        ngram in 1usize..=3,
        tfidf in any::<bool>(),
        norm in any::<bool>(),
    ) {
        let cfg = VectorizerConfig { ngram_max: ngram, tfidf, l2_norm: norm, ..Default::default() };
        let v = fitted(cfg.clone());
        let a = v.transform_one(&s);
        let b = fitted(cfg).transform_one(&s);
        prop_assert_eq!(&a, &b);
        for w in a.windows(2) {
            prop_assert!(w[0].0 < w[1].0, "indices not strictly increasing");
        }
        for &(j, x) in &a {
            prop_assert!((j as usize) < v.n_features());
            prop_assert!(x.is_finite() && x > 0.0);
        }
    }

    #[test]
    fn fitting_arbitrary_texts_never_panics_and_is_deterministic(
        texts in proptest::collection::vec(any::<String>(), 0..12),
        ngram in 1usize..=3,
        min_df in 1usize..3,
    ) {
        let cfg = VectorizerConfig { ngram_max: ngram, min_df, ..Default::default() };
        let a = Vectorizer::fit(cfg.clone(), &texts).unwrap();
        let b = Vectorizer::fit(cfg, &texts).unwrap();
        prop_assert_eq!(a.vocab(), b.vocab());
        let mut sorted = a.vocab().to_vec();
        sorted.sort();
        prop_assert_eq!(a.vocab(), &sorted[..]);
    }

    #[test]
    fn builtin_model_gives_probabilities_for_any_text(s in any::<String>()) {
        let m = Model::builtin();
        let (i, p) = m.predict(&s);
        prop_assert_eq!(p.len(), m.labels().len());
        prop_assert!(i < p.len());
        prop_assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        prop_assert_eq!(m.predict_proba(&s), p);
    }

    #[test]
    fn labelled_csv_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300), header in any::<bool>()) {
        use stance::model::data::{read_labelled, Columns};
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("in.csv");
        let mut body = if header { b"text,label\n".to_vec() } else { Vec::new() };
        body.extend_from_slice(&bytes);
        std::fs::write(&p, &body).unwrap();
        let cols = Columns { text: "text".into(), label: "label".into(), weight: None, group: None, group_by_file: true };
        match read_labelled(&[&p], &cols, None, false) {
            Ok((data, _)) => {
                prop_assert_eq!(data.texts.len(), data.labels.len());
                prop_assert_eq!(data.groups.map(|g| g.len()), Some(data.texts.len()));
            }
            Err(e) => {
                // Every error names the file.
                let msg = format!("{e:#}");
                prop_assert!(msg.contains("in.csv"), "{}", msg);
            }
        }
    }

    #[test]
    fn model_loader_never_panics_on_garbage(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Model::from_bytes(&bytes);
        let mut framed = b"STANCEMD\x01\x00\x00\x00".to_vec();
        framed.extend_from_slice(&bytes);
        let _ = Model::from_bytes(&framed);
    }
}
