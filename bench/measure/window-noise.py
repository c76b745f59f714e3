# The analysis of window-noise.sh (bench/README, "Measured on the real app"): the windows 0-8 s after a change of the
# ready count against those 8-16 s after, at 150 rps and at probe traffic. Usage: python3 window-noise.py OUT_DIR
import json, sys, statistics
D=sys.argv[1]
lines=[l for l in open(D+'/events')]
t0=float(lines[0].split()[1])
events=[]
for l in lines[1:]:
    p=l.split(None,1)
    try: events.append((float(p[0]),p[1].strip()))
    except ValueError: pass
load_on=[t for t,e in events if e.startswith('load 150')][0]; load_off=[t for t,e in events if e=='load done'][0]
desired=[t for t,e in events if e.startswith('desired')]
wins=[]
for l in open(D+'/alerts.log'):
    l=l.strip()
    if l.startswith('{'):
        m=json.loads(l); wins.append(dict(t=m['ts']-t0, p95=m['p95_ms'], rps=m['rps'], n=m['replicas'], req=m['requests']))
changes=[wins[i]['t'] - 0.0 for i in range(1,len(wins)) if wins[i]['n']!=wins[i-1]['n']]
# a window's ready count is read at its end: the change happened inside window i, i.e. after window i-1 ended
chg=[wins[i-1]['t'] for i in range(1,len(wins)) if wins[i]['n']!=wins[i-1]['n']]
def since(t, xs):
    p=[x for x in xs if x < t]
    return t-p[-1] if p else 1e9
def show(name, sel):
    a=[w['p95'] for w in sel if since(w['t'],chg)<=8]
    b=[w['p95'] for w in sel if 8<since(w['t'],chg)<=16]
    for lab,v in (('0-8 s after a ready-count change',a),('8-16 s after',b)):
        if not v: continue
        v=sorted(v)
        print(f"  {name} {lab}: n={len(v)} median {statistics.median(v):.0f} ms, mean {statistics.mean(v):.0f}, 90th {v[int(.9*len(v))]:.0f}, max {v[-1]:.0f}, >100 ms: {sum(x>100 for x in v)}, >50 ms: {sum(x>50 for x in v)}")
print("ready-count changes at (window end before):", [round(c,1) for c in chg])
busy=[w for w in wins if load_on+6 < w['t'] < load_off-1]
idle=[w for w in wins if w['t'] > load_off+22]
show('150 rps', busy); show('probes', idle)
print("joins vs leaves (150 rps):")
ups=[wins[i-1]['t'] for i in range(1,len(wins)) if wins[i]['n']>wins[i-1]['n']]
downs=[wins[i-1]['t'] for i in range(1,len(wins)) if wins[i]['n']<wins[i-1]['n']]
for nm,xs in (('join',ups),('leave',downs)):
    for ph,sel in (('150 rps',busy),('probes',idle)):
        v=sorted(w['p95'] for w in sel if since(w['t'],xs)<=8 and since(w['t'],chg)<=8)
        if v: print(f"  after a {nm}, {ph}: n={len(v)} median {statistics.median(v):.0f} max {v[-1]:.0f} >100: {sum(x>100 for x in v)}")
print("per window: t p95 rps ready since-change")
for w in wins: print(f"{w['t']:6.1f} {w['p95']:7.1f} {w['rps']:6.1f} {w['n']} {since(w['t'],chg) if since(w['t'],chg)<1e8 else -1:5.1f}")
