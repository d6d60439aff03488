//! Sparse multinomial logistic regression with L2 regularisation, fitted by
//! argmin's L-BFGS and exposed through linfa's `Fit` / `Predict` traits.
//!
//! The objective is mean-scaled so that tolerances mean the same thing for
//! 500 rows and for 500,000:
//!
//! ```text
//! L(W, b) = (1/n) Σᵢ sᵢ · CE(softmax(xᵢ W + b), yᵢ)  +  (λ/2) ‖W‖²,   λ = 1 / (C n)
//! ```
//!
//! `C` is scikit-learn's inverse regularisation strength (its loss is exactly
//! `C n · L`), so C values carry over from the baseline. linfa-logistic
//! minimises the summed loss `Σ CE + (α/2)‖W‖²`, which is `n · L` when
//! `α = 1/C` (a test checks the two agree). The intercept is not penalised.

use super::pvec::PVec;
use crate::features::Csr;
use argmin::core::{
    CostFunction, Executor, Gradient, IterState, Solver, State, TerminationReason, TerminationStatus, KV,
};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use linfa::dataset::DatasetBase;
use linfa::traits::{Fit, PredictInplace};
use ndarray::Array1;
use rayon::prelude::*;
use std::cell::RefCell;

/// Why training failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error(transparent)]
    Linfa(#[from] linfa::Error),
    #[error("invalid training parameters: {0}")]
    Params(String),
    #[error("the optimiser failed: {0}")]
    Optimizer(String),
}

/// How much each class counts in the loss.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClassWeight {
    /// Every row counts once.
    #[default]
    None,
    /// Rows of class c count n / (k · n_c), as in scikit-learn, so that rare
    /// labels are not drowned by common ones.
    Balanced,
}

/// Hyper-parameters (linfa's "params" object: `Fit` turns them into a model).
#[derive(Clone, Debug)]
pub struct LogisticParams {
    /// Inverse L2 strength, scikit-learn's `C`.
    pub c: f64,
    pub class_weight: ClassWeight,
    /// Number of classes; targets must be below it. `None`: max target + 1.
    pub n_classes: Option<usize>,
    pub max_iter: u64,
    /// Stop when every component of the gradient (of the mean-scaled loss)
    /// is below this in absolute value (scipy's `pgtol`, which scikit-learn
    /// sets to its `tol`) and the last iteration lowered the objective by
    /// less than this fraction of it. Not the L2 norm (argmin's own test):
    /// that sums over every weight, so the same tolerance asked for more
    /// accuracy per weight the more features there were. Not the gradient
    /// alone: along a rare n-gram the objective is so flat that its gradient
    /// is tiny far from the optimum, and the first preconditioned step (see
    /// `precondition`) can land there (3,000 rows of random words with a
    /// cue per label stopped after one iteration at objective 0.73; the
    /// optimum is 0.079).
    pub tol_grad: f64,
    /// Stop when one iteration lowers the loss by less than this.
    pub tol_cost: f64,
    /// L-BFGS memory: past steps kept to approximate the curvature. 5, not
    /// scipy's 10: argmin keeps every step and gradient difference as a
    /// vector of all the weights, and in this VM the time to fault in fresh
    /// memory, not the arithmetic, set the pace (a third of the 10k-row
    /// sweep's time was the kernel zeroing pages). Measured in five
    /// alternating runs (medians): the default model's 16,995 statements
    /// 1.84 s with 10, 1.64 s with 5 (121 iterations instead of 106, to an
    /// objective 0.2% lower, real-quote macro-F1 0.460 instead of 0.462);
    /// 10k generated rows 0.77 s against 0.54 s; 100k rows 8.7 s and 1.61 GB
    /// against 4.7 s and 1.33 GB. 3 doubled the iterations.
    pub memory: usize,
}

impl Default for LogisticParams {
    fn default() -> Self {
        LogisticParams {
            c: 1.0,
            class_weight: ClassWeight::None,
            n_classes: None,
            max_iter: 500,
            tol_grad: 1e-5,
            tol_cost: 1e-10,
            memory: 5,
        }
    }
}

/// A fitted model: weights stored feature-major (`weights[j * k + c]`), so a
/// sparse row touches `k` adjacent numbers per non-zero.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedLogistic {
    pub n_features: usize,
    pub n_classes: usize,
    pub weights: Vec<f64>,
    pub intercepts: Vec<f64>,
    /// L-BFGS iterations used.
    pub iterations: u64,
    /// Whether a tolerance was met (rather than the iteration cap).
    pub converged: bool,
    /// The final value of the mean-scaled objective.
    pub objective: f64,
}

impl FittedLogistic {
    /// Class scores (logits) of one sparse row, written into `z`.
    #[inline]
    pub fn decision_into(&self, idx: &[u32], val: &[f64], z: &mut [f64]) {
        let k = self.n_classes;
        z.copy_from_slice(&self.intercepts);
        for (&j, &v) in idx.iter().zip(val) {
            let w = &self.weights[j as usize * k..j as usize * k + k];
            for c in 0..k {
                z[c] += v * w[c];
            }
        }
    }

    /// Class probabilities of one sparse row.
    pub fn proba_row(&self, idx: &[u32], val: &[f64]) -> Vec<f64> {
        let mut z = vec![0.0; self.n_classes];
        self.decision_into(idx, val, &mut z);
        softmax_in_place(&mut z);
        z
    }

    /// Probabilities for every row of `x`, one `Vec` per row.
    pub fn predict_proba(&self, x: &Csr) -> Vec<Vec<f64>> {
        (0..x.n_rows())
            .map(|i| {
                let (idx, val) = x.row(i);
                self.proba_row(idx, val)
            })
            .collect()
    }
}

/// Keeps large allocations on the heap for reuse (process-wide; a no-op
/// off glibc). For programs that train through this library on glibc's
/// allocator: the `stance` binary allocates with mimalloc, which mallopt
/// does not tune, and keeps its freed memory mapped its own way.
///
/// glibc serves allocations above its mmap threshold (which adapts up to
/// 32 MB) with fresh zeroed pages, and argmin's L-BFGS allocates a new
/// vector for most vector operations. With a few million parameters every
/// one of them crossed the threshold and page-faulted anew: training on 100k
/// generated rows spent more time in the kernel than in the optimiser and
/// ran 3x slower.
pub fn keep_large_allocations_on_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning parameters; it is called
    // before training allocates, and invalid values are rejected by glibc.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 30);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
    }
}

/// Turns logits into probabilities (stable: subtracts the maximum).
pub fn softmax_in_place(z: &mut [f64]) {
    let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mut s = 0.0;
    for v in z.iter_mut() {
        *v = (*v - m).exp();
        s += *v;
    }
    for v in z.iter_mut() {
        *v /= s;
    }
}

/// Index of the largest value (the first one on ties, so it is deterministic).
pub fn argmax(p: &[f64]) -> usize {
    let mut best = 0;
    for (i, &v) in p.iter().enumerate() {
        if v > p[best] {
            best = i;
        }
    }
    best
}

/// A point, its cost and its gradient.
type Evaluated = (PVec, f64, PVec);

/// Rows per block of the residual pass, and features per block of the
/// gradient pass: fixed sizes, so that the blocks (and the order in which
/// their partial sums are added) do not depend on the number of threads.
const ROW_BLOCK: usize = 512;
const FEATURE_BLOCK: usize = 2048;

/// The optimisation problem argmin sees.
struct Problem<'a> {
    x: &'a Csr,
    /// `x` transposed: row j lists the rows where feature j occurs, for the
    /// gradient pass, which goes feature by feature.
    xt: Csr,
    y: &'a [usize],
    /// Per-row weight divided by n (class weight × row weight / n).
    s: Vec<f64>,
    k: usize,
    /// L2 strength per feature: λ, times the square of the feature's scale
    /// when the problem is preconditioned (see [`precondition`]).
    reg: Vec<f64>,
    /// argmin asks for the cost and the gradient at the same point; both
    /// come from one pass over the data, so the last pass is remembered.
    cache: RefCell<Option<Evaluated>>,
}

impl<'a> Problem<'a> {
    fn new(x: &'a Csr, y: &'a [usize], s: Vec<f64>, k: usize, reg: Vec<f64>) -> Self {
        Problem { x, xt: x.transpose(), y, s, k, reg, cache: RefCell::new(None) }
    }

    fn eval(&self, theta: &PVec) -> (f64, PVec) {
        if let Some((p, c, g)) = &*self.cache.borrow() {
            if p.same_as(theta) {
                return (*c, g.clone());
            }
        }
        let (cost, grad) = self.compute(theta.as_slice());
        let grad = PVec::new(grad);
        *self.cache.borrow_mut() = Some((theta.clone(), cost, grad.clone()));
        (cost, grad)
    }

    /// The objective and its gradient, in two passes that each run on all
    /// cores: rows (each row's loss and its residual `s · (p − onehot)`),
    /// then features (each weight's gradient is the sum of its rows'
    /// residuals times the feature's values, plus the L2 term). Gradient
    /// elements are summed in row order exactly as a one-thread pass
    /// scattering row by row would; the loss and penalty add fixed blocks
    /// in order, so the thread count does not change a bit.
    fn compute(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        let k = self.k;
        let nf = self.x.n_cols;
        let n = self.x.n_rows();
        let (w, b) = theta.split_at(nf * k);
        let (x, y, s) = (self.x, self.y, &self.s[..]);
        let mut resid = vec![0.0; n * k];
        let row_losses: Vec<f64> = resid
            .par_chunks_mut(ROW_BLOCK * k)
            .enumerate()
            .map(|(blk, rc)| {
                let mut loss = 0.0;
                for (o, z) in rc.chunks_exact_mut(k).enumerate() {
                    let i = blk * ROW_BLOCK + o;
                    let (idx, val) = x.row(i);
                    z.copy_from_slice(b);
                    for (&j, &v) in idx.iter().zip(val) {
                        let wj = &w[j as usize * k..j as usize * k + k];
                        for c in 0..k {
                            z[c] += v * wj[c];
                        }
                    }
                    let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                    let sum: f64 = z.iter().map(|v| (v - m).exp()).sum();
                    let lse = m + sum.ln();
                    loss += s[i] * (lse - z[y[i]]);
                    // z becomes s · (p - onehot): the derivative of the row's loss.
                    for zc in z.iter_mut() {
                        *zc = s[i] * (*zc - lse).exp();
                    }
                    z[y[i]] -= s[i];
                }
                loss
            })
            .collect();
        let loss: f64 = row_losses.iter().sum();

        let mut grad = vec![0.0; theta.len()];
        let (gw, gb) = grad.split_at_mut(nf * k);
        for z in resid.chunks_exact(k) {
            for c in 0..k {
                gb[c] += z[c];
            }
        }
        let (xt, reg, resid) = (&self.xt, &self.reg[..], &resid[..]);
        let penalties: Vec<f64> = gw
            .par_chunks_mut(FEATURE_BLOCK * k)
            .enumerate()
            .map(|(blk, gc)| {
                let mut penalty = 0.0;
                for (o, gj) in gc.chunks_exact_mut(k).enumerate() {
                    let j = blk * FEATURE_BLOCK + o;
                    let (rows, val) = xt.row(j);
                    for (&i, &v) in rows.iter().zip(val) {
                        let z = &resid[i as usize * k..i as usize * k + k];
                        for c in 0..k {
                            gj[c] += v * z[c];
                        }
                    }
                    let wj = &w[j * k..j * k + k];
                    for c in 0..k {
                        penalty += reg[j] * wj[c] * wj[c];
                        gj[c] += reg[j] * wj[c];
                    }
                }
                penalty
            })
            .collect();
        let penalty: f64 = penalties.iter().sum();
        (loss + 0.5 * penalty, grad)
    }
}

impl CostFunction for Problem<'_> {
    type Param = PVec;
    type Output = f64;
    fn cost(&self, p: &Self::Param) -> Result<f64, argmin::core::Error> {
        Ok(self.eval(p).0)
    }
}

impl Gradient for Problem<'_> {
    type Param = PVec;
    type Gradient = PVec;
    fn gradient(&self, p: &Self::Param) -> Result<PVec, argmin::core::Error> {
        Ok(self.eval(p).1)
    }
}

impl LogisticParams {
    /// The mean-scaled objective of `theta = [W (feature-major), b]` on a
    /// dataset; for tests and diagnostics.
    pub fn objective(&self, x: &Csr, y: &[usize], theta: &[f64]) -> f64 {
        let k = self.n_classes.unwrap_or_else(|| y.iter().max().map_or(1, |m| m + 1));
        self.problem(x, y, None, k).compute(theta).0
    }

    fn problem<'a>(&self, x: &'a Csr, y: &'a [usize], row_w: Option<&[f32]>, k: usize) -> Problem<'a> {
        let (s, reg) = self.row_scales_and_reg(x, y, row_w, k);
        Problem::new(x, y, s, k, reg)
    }

    /// Each row's weight in the mean-scaled loss, and the L2 strength per
    /// feature, before any preconditioning.
    fn row_scales_and_reg(&self, x: &Csr, y: &[usize], row_w: Option<&[f32]>, k: usize) -> (Vec<f64>, Vec<f64>) {
        let n = y.len().max(1) as f64;
        let mut counts = vec![0usize; k];
        for &c in y {
            counts[c] += 1;
        }
        let s = y
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let cw = match self.class_weight {
                    ClassWeight::None => 1.0,
                    ClassWeight::Balanced => n / (k as f64 * counts[c] as f64),
                };
                let rw = row_w.map_or(1.0, |w| w[i] as f64);
                cw * rw / n
            })
            .collect();
        (s, vec![1.0 / (self.c * n); x.n_cols])
    }
}

impl Fit<Csr, Array1<usize>, TrainError> for LogisticParams {
    type Object = FittedLogistic;

    fn fit(&self, ds: &DatasetBase<Csr, Array1<usize>>) -> Result<FittedLogistic, TrainError> {
        let x = &ds.records;
        let y = ds.targets.as_slice().ok_or_else(|| TrainError::Params("targets must be contiguous".into()))?;
        if y.len() != x.n_rows() {
            return Err(TrainError::Params(format!("{} targets for {} rows", y.len(), x.n_rows())));
        }
        if y.is_empty() {
            return Err(TrainError::Linfa(linfa::Error::NotEnoughSamples));
        }
        if !(self.c > 0.0 && self.c.is_finite()) {
            return Err(TrainError::Params(format!("C must be a positive number, not {}", self.c)));
        }
        let k = self.n_classes.unwrap_or_else(|| y.iter().max().map_or(1, |m| m + 1));
        if let Some(&bad) = y.iter().find(|&&c| c >= k) {
            return Err(TrainError::Params(format!("target {bad} is not below the {k} classes")));
        }
        let row_w = ds.weights();
        if let Some(w) = row_w {
            if w.len() != y.len() || w.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
                return Err(TrainError::Params("row weights must be finite, non-negative, one per row".into()));
            }
        }
        // The optimiser sees the columns renumbered by falling frequency, so
        // the weights that most rows touch sit together at the front of the
        // weight vector (hot in cache); the result is mapped back below.
        let (mut xp, new_of) = by_frequency(x);
        let (s, mut reg) = self.row_scales_and_reg(&xp, y, row_w, k);
        let scale = precondition(&mut xp, &s, &mut reg, k);
        let problem = Problem::new(&xp, y, s, k, reg);
        let init = PVec::zeros(x.n_cols * k + k);
        let linesearch = MoreThuenteLineSearch::new();
        // argmin's own gradient test (L2 norm) is left at its default, far
        // below ours: [`MaxNormStop`] decides.
        let inner = LBFGS::new(linesearch, self.memory)
            .with_tolerance_cost(self.tol_cost)
            .map_err(|e| TrainError::Params(e.to_string()))?;
        if self.tol_grad.is_nan() || self.tol_grad < 0.0 {
            return Err(TrainError::Params(format!("the gradient tolerance must be >= 0, not {}", self.tol_grad)));
        }
        let solver = MaxNormStop { inner, tol: self.tol_grad, k, scale: scale.clone() };
        let res = Executor::new(problem, solver)
            .configure(|s| s.param(init).max_iters(self.max_iter))
            .run()
            .map_err(|e| TrainError::Optimizer(e.to_string()))?;
        let mut state = res.state;
        let iterations = state.get_iter();
        let converged = matches!(state.get_termination_reason(), Some(TerminationReason::SolverConverged));
        let objective = state.get_best_cost();
        let theta = state
            .take_best_param()
            .ok_or_else(|| TrainError::Optimizer("L-BFGS returned no parameters".into()))?
            .into_vec();
        let mut weights = vec![0.0; x.n_cols * k];
        for (old, &new) in new_of.iter().enumerate() {
            let new = new as usize;
            for c in 0..k {
                weights[old * k + c] = theta[new * k + c] * scale[new];
            }
        }
        let intercepts = theta[x.n_cols * k..].to_vec();
        Ok(FittedLogistic { n_features: x.n_cols, n_classes: k, weights, intercepts, iterations, converged, objective })
    }
}

type Lbfgs = LBFGS<MoreThuenteLineSearch<PVec, PVec, f64>, PVec, PVec, f64>;
type LbfgsState = IterState<PVec, PVec, (), (), (), f64>;

/// argmin's L-BFGS with the stopping rule of [`LogisticParams::tol_grad`];
/// the iterations themselves are L-BFGS's, untouched.
struct MaxNormStop {
    inner: Lbfgs,
    tol: f64,
    /// Classes: the parameters are `scale.len() * k` weights, then `k`
    /// intercepts.
    k: usize,
    /// The preconditioner's scale per feature: the optimiser's gradient for
    /// feature j is the weights' gradient times `scale[j]`, so it is divided
    /// back before the test (the intercepts are not scaled).
    scale: Vec<f64>,
}

impl<'a> Solver<Problem<'a>, LbfgsState> for MaxNormStop {
    fn name(&self) -> &str {
        "L-BFGS"
    }

    fn init(
        &mut self,
        problem: &mut argmin::core::Problem<Problem<'a>>,
        state: LbfgsState,
    ) -> Result<(LbfgsState, Option<KV>), argmin::core::Error> {
        self.inner.init(problem, state)
    }

    fn next_iter(
        &mut self,
        problem: &mut argmin::core::Problem<Problem<'a>>,
        state: LbfgsState,
    ) -> Result<(LbfgsState, Option<KV>), argmin::core::Error> {
        self.inner.next_iter(problem, state)
    }

    fn terminate(&mut self, state: &LbfgsState) -> TerminationStatus {
        let inner = <Lbfgs as Solver<Problem<'a>, LbfgsState>>::terminate(&mut self.inner, state);
        if inner.terminated() {
            return inner;
        }
        let k = self.k;
        let largest = state.get_gradient().map_or(f64::INFINITY, |g| {
            let g = g.as_slice();
            let (gw, gb) = g.split_at(self.scale.len() * k);
            let w = gw.chunks_exact(k).zip(&self.scale).fold(0.0, |m: f64, (gj, &sj)| gj.iter().fold(m, |m, v| m.max((v / sj).abs())));
            gb.iter().fold(w, |m, v| m.max(v.abs()))
        });
        let (prev, cost) = (state.get_prev_cost(), state.get_cost());
        let settled = prev.is_finite() && (prev - cost) <= self.tol * cost.abs().max(1.0);
        if largest < self.tol && settled {
            return TerminationStatus::Terminated(TerminationReason::SolverConverged);
        }
        TerminationStatus::NotTerminated
    }
}

/// Rescales each feature so that the objective's curvature is about the
/// same along every weight, and returns the scales: the optimiser then fits
/// `u` with `w = scale · u`, the same objective in other coordinates.
///
/// Why: with n-grams most features occur in a row or two, and their
/// curvature (rows' `x²` times `p(1 − p)`, plus λ) is hundreds of times
/// smaller than that of common words. L-BFGS starts from one step length
/// for all of them and needed ever more iterations as the data (and its
/// tail of rare n-grams) grew. A diagonal preconditioner is the textbook
/// remedy; the scale uses the curvature at the start (all probabilities
/// 1/k), which is all it needs to be.
fn precondition(x: &mut Csr, row_s: &[f64], reg: &mut [f64], k: usize) -> Vec<f64> {
    let curv_p = (1.0 / k as f64) * (1.0 - 1.0 / k as f64);
    let mut h = reg.to_vec();
    for (i, &si) in row_s.iter().enumerate() {
        let (idx, val) = x.row(i);
        for (&j, &v) in idx.iter().zip(val) {
            h[j as usize] += si * curv_p * v * v;
        }
    }
    let scale: Vec<f64> = h.iter().map(|&h| if h > 0.0 { 1.0 / h.sqrt() } else { 1.0 }).collect();
    for (&j, v) in x.indices.iter().zip(x.data.iter_mut()) {
        *v *= scale[j as usize];
    }
    for (r, s) in reg.iter_mut().zip(&scale) {
        *r *= s * s;
    }
    scale
}

/// `x` with its columns renumbered by falling number of non-zeros (ties by
/// column), and `new_of[old column]`. With a million n-gram features the
/// weight vector is far larger than the cache, and the sparse gradient's
/// scattered reads into it made training time grow faster than the data
/// (100k generated rows: 500 ms per L-BFGS iteration); Zipf-distributed
/// words make the front of the renumbered vector cover most reads.
fn by_frequency(x: &Csr) -> (Csr, Vec<u32>) {
    let mut nnz = vec![0u32; x.n_cols];
    for &j in &x.indices {
        nnz[j as usize] += 1;
    }
    let mut order: Vec<u32> = (0..x.n_cols as u32).collect();
    order.sort_by_key(|&j| (std::cmp::Reverse(nnz[j as usize]), j));
    let mut new_of = vec![0u32; x.n_cols];
    for (new, &old) in order.iter().enumerate() {
        new_of[old as usize] = new as u32;
    }
    let mut out = Csr::new(x.n_cols);
    let mut row: Vec<(u32, f64)> = Vec::new();
    for i in 0..x.n_rows() {
        let (idx, val) = x.row(i);
        row.clear();
        row.extend(idx.iter().zip(val).map(|(&j, &v)| (new_of[j as usize], v)));
        row.sort_unstable_by_key(|e| e.0);
        out.push_row(&row);
    }
    (out, new_of)
}

impl PredictInplace<Csr, Array1<usize>> for FittedLogistic {
    fn predict_inplace(&self, x: &Csr, y: &mut Array1<usize>) {
        let mut z = vec![0.0; self.n_classes];
        for i in 0..x.n_rows() {
            let (idx, val) = x.row(i);
            self.decision_into(idx, val, &mut z);
            y[i] = argmax(&z);
        }
    }

    fn default_target(&self, x: &Csr) -> Array1<usize> {
        Array1::zeros(x.n_rows())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linfa::traits::Predict;
    use ndarray::{array, Array2};

    fn toy() -> (Array2<f64>, Array1<usize>) {
        let x = array![
            [1.0, 0.0, 0.5],
            [0.9, 0.1, 0.0],
            [0.0, 1.0, 0.2],
            [0.1, 0.8, 0.0],
            [0.0, 0.1, 1.0],
            [0.2, 0.0, 0.9],
            [0.5, 0.5, 0.0],
            [0.0, 0.4, 0.6],
        ];
        (x, array![0, 0, 1, 1, 2, 2, 0, 2])
    }

    /// Training splits its passes into fixed blocks, so the model does not
    /// depend on how many threads ran them (the default model is rebuilt on
    /// machines with any number of cores).
    #[test]
    fn the_model_does_not_depend_on_the_thread_count() {
        // Enough rows and features for several blocks of each pass, and
        // enough parameters for the optimiser's vectors to run in parallel.
        let (n, nf, k) = (3000, 40_000, 4);
        let mut s = 7u64;
        let mut next = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 33) as usize
        };
        let mut x = Csr::new(nf);
        let mut y = Vec::new();
        for _ in 0..n {
            let label = next() % k;
            let mut row: Vec<(u32, f64)> = (0..12).map(|_| ((next() % nf) as u32, 0.3)).collect();
            row.push((label as u32, 1.0));
            row.sort_by_key(|e| e.0);
            row.dedup_by_key(|e| e.0);
            x.push_row(&row);
            y.push(label);
        }
        let ds = DatasetBase::new(x, Array1::from(y));
        let params = LogisticParams { c: 10.0, max_iter: 30, ..Default::default() };
        let on = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| params.fit(&ds).unwrap())
        };
        let one = on(1);
        assert!(one.iterations > 3, "the fit should take a few steps, took {}", one.iterations);
        assert_eq!(one, on(2));
        assert_eq!(one, on(3));
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let (x, y) = toy();
        let x = Csr::from_dense(&x);
        let params = LogisticParams { c: 0.7, class_weight: ClassWeight::Balanced, ..Default::default() };
        let p = params.problem(&x, y.as_slice().unwrap(), None, 3);
        let theta: Vec<f64> = (0..12).map(|i| ((i * 7 % 5) as f64 - 2.0) / 3.0).collect();
        let (_, g) = p.compute(&theta);
        for i in 0..theta.len() {
            let mut a = theta.clone();
            let mut b = theta.clone();
            a[i] += 1e-6;
            b[i] -= 1e-6;
            let fd = (p.compute(&a).0 - p.compute(&b).0) / 2e-6;
            assert!((fd - g[i]).abs() < 1e-6, "coordinate {i}: {fd} vs {}", g[i]);
        }
    }

    #[test]
    fn fits_separable_classes_and_predicts_through_linfa() {
        let (x, y) = toy();
        let ds = DatasetBase::new(Csr::from_dense(&x), y.clone());
        let m = LogisticParams { c: 10.0, ..Default::default() }.fit(&ds).unwrap();
        assert!(m.converged, "did not converge in {} iterations", m.iterations);
        let pred: Array1<usize> = m.predict(&ds);
        assert_eq!(pred, y);
        for p in m.predict_proba(&ds.records) {
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }

    /// Training renumbers columns by frequency; the weights it returns must
    /// be in the caller's numbering: the objective recomputed from them on
    /// the original matrix is the one the optimiser reached.
    #[test]
    fn weights_come_back_in_the_callers_column_order() {
        // Column 2 is the most frequent, column 0 the rarest.
        let x = array![
            [1.0, 0.0, 0.7, 0.0],
            [0.0, 0.9, 0.3, 0.2],
            [0.0, 0.5, 0.8, 0.0],
            [0.0, 0.0, 0.6, 0.9],
            [0.0, 0.4, 0.2, 0.0],
            [0.0, 0.3, 0.9, 0.5],
        ];
        let y = array![0, 1, 1, 2, 1, 2];
        let (xp, new_of) = by_frequency(&Csr::from_dense(&x));
        assert_eq!(new_of, [3, 1, 0, 2]);
        assert_eq!(xp.row(0), (&[0u32, 3][..], &[0.7, 1.0][..]));
        let params = LogisticParams { c: 5.0, tol_grad: 1e-10, tol_cost: 0.0, max_iter: 1000, ..Default::default() };
        let fit = params.fit(&DatasetBase::new(Csr::from_dense(&x), y.clone())).unwrap();
        let mut theta = fit.weights.clone();
        theta.extend(&fit.intercepts);
        let again = params.objective(&Csr::from_dense(&x), y.as_slice().unwrap(), &theta);
        assert!((again - fit.objective).abs() < 1e-12, "{again} vs {}", fit.objective);
    }

    /// A sparse problem with a long tail of rare features, as n-grams give:
    /// the preconditioned optimiser must stop where the gradient of the
    /// objective in the caller's weights (not in its rescaled coordinates) is
    /// below the tolerance in every component, and at the optimum a tighter
    /// run finds.
    #[test]
    fn stops_on_the_largest_gradient_component_in_the_callers_weights() {
        let (n, nf, k) = (300, 400, 3);
        let mut x = Csr::new(nf);
        let mut y = Vec::new();
        let mut state: u64 = 7;
        let mut next = |m: u64| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) % m
        };
        for i in 0..n {
            let label = i % k;
            let mut row: Vec<(u32, f64)> = Vec::new();
            for _ in 0..4 {
                row.push((next(12) as u32, 0.5)); // common words
            }
            row.push((12 + label as u32, 0.4)); // a cue per label, also common
            for _ in 0..3 {
                row.push((20 + next(nf as u64 - 20) as u32, 0.3)); // the rare tail
            }
            row.sort_by_key(|e| e.0);
            row.dedup_by_key(|e| e.0);
            x.push_row(&row);
            y.push(label);
        }
        let tol = 1e-6;
        // Rows of weight 1 and of weight 400: the rescaled coordinates are
        // longer than the weights in one case and mostly shorter in the other.
        for row_weight in [1.0f32, 400.0] {
            let c = 30.0;
            let w = vec![row_weight; n];
            let ds = DatasetBase::new(x.clone(), Array1::from(y.clone())).with_weights(Array1::from(w.clone()));
            let params = LogisticParams { c, tol_grad: tol, tol_cost: 0.0, max_iter: 2000, ..Default::default() };
            let fit = params.fit(&ds).unwrap();
            assert!(fit.converged);
            let mut theta = fit.weights.clone();
            theta.extend(&fit.intercepts);
            let (_, grad) = params.problem(&x, &y, Some(&w), k).compute(&theta);
            let largest = grad.iter().fold(0.0f64, |m, g| m.max(g.abs()));
            assert!(largest < tol, "row weight {row_weight}: largest gradient component {largest} at the returned weights");
            let tight = LogisticParams { tol_grad: 1e-10, ..params }.fit(&ds).unwrap();
            assert!((fit.objective - tight.objective).abs() < 1e-6, "row weight {row_weight}: {} vs {}", fit.objective, tight.objective);
            let pred: Array1<usize> = fit.predict(&ds);
            let pred_tight: Array1<usize> = tight.predict(&ds);
            assert_eq!(pred, pred_tight, "row weight {row_weight}");
        }
    }

    #[test]
    fn same_objective_and_predictions_as_linfa_logistic() {
        use linfa_logistic::MultiLogisticRegression;
        let (x, y) = toy();
        let n = y.len() as f64;
        let c = 2.0;
        let ours = LogisticParams { c, tol_grad: 1e-9, tol_cost: 0.0, max_iter: 1000, ..Default::default() }
            .fit(&DatasetBase::new(Csr::from_dense(&x), y.clone()))
            .unwrap();
        let theirs = MultiLogisticRegression::default()
            .alpha(1.0 / c)
            .gradient_tolerance(1e-9)
            .max_iterations(1000)
            .fit(&linfa::Dataset::new(x.clone(), y.clone()))
            .unwrap();
        // Their parameters as our feature-major vector.
        let (w, b) = (theirs.params(), theirs.intercept());
        let mut theta: Vec<f64> = Vec::new();
        for j in 0..3 {
            for c in 0..3 {
                theta.push(w[[j, c]]);
            }
        }
        theta.extend(b.iter());
        let params = LogisticParams { c, ..Default::default() };
        let theirs_obj = params.objective(&Csr::from_dense(&x), y.as_slice().unwrap(), &theta);
        let ours_obj = ours.objective;
        assert!((ours_obj - theirs_obj).abs() < 1e-7, "ours {ours_obj} vs linfa {theirs_obj} (×n: {})", theirs_obj * n);
        let their_pred = theirs.predict(&x);
        let our_pred: Array1<usize> = ours.predict(&DatasetBase::new(Csr::from_dense(&x), y.clone()));
        assert_eq!(our_pred, their_pred);
        let tp = theirs.predict_probabilities(&x);
        for (i, p) in ours.predict_proba(&Csr::from_dense(&x)).iter().enumerate() {
            for c in 0..3 {
                assert!((p[c] - tp[[i, c]]).abs() < 1e-4, "row {i} class {c}: {} vs {}", p[c], tp[[i, c]]);
            }
        }
    }
}
