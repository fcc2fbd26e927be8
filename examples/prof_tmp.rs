use lockcheck::Mutex;
fn main() {
    let big: Vec<Mutex<()>> = (0..100_000).map(|i| Mutex::named(Box::leak(format!("big.{i}").into_boxed_str()), ())).collect();
    for w in big.windows(2) { let _a = w[0].lock(); let _b = w[1].lock(); }
    let n = 1000;
    let locks: Vec<Mutex<()>> = (0..n).map(|i| Mutex::named(Box::leak(format!("p.{i}").into_boxed_str()), ())).collect();
    let mut x: u64 = 88172645463325252;
    let mut rnd = || { x ^= x << 13; x ^= x >> 7; x ^= x << 17; x };
    let mut perm: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() { let j = (rnd() % (i as u64 + 1)) as usize; perm.swap(i, j); }
    for w in perm.windows(2) { let _a = locks[w[0]].lock(); let _b = locks[w[1]].lock(); }
    let mut rank = vec![0; n]; for (r, &c) in perm.iter().enumerate() { rank[c] = r; }
    let t = std::time::Instant::now(); let mut slow = 0; let mut slowt = std::time::Duration::ZERO;
    for _ in 0..20000 {
        let (a, b) = ((rnd() % n as u64) as usize, (rnd() % n as u64) as usize);
        if a == b { continue; }
        let (a, b) = if rank[a] < rank[b] { (a, b) } else { (b, a) };
        let s = std::time::Instant::now();
        let _a = locks[a].lock(); let _b = locks[b].lock();
        drop(_b); drop(_a);
        let e = s.elapsed();
        if e > std::time::Duration::from_micros(20) { slow += 1; slowt += e; }
    }
    eprintln!("slow ops: {slow}, total {slowt:?}");
    eprintln!("{:?}", t.elapsed());
}
