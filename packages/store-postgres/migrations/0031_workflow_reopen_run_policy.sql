-- Reopening a workflow job also takes back what `on_dependency_failure: "run"` dependents counted.
--
-- A blocked dependent under policy 'run' counts a dependency that failed or was cancelled as finished
-- (wf_unmet was decremented). When an admin or workflow retry brings that dependency back, the
-- dependent must wait for it again; 0030's reopen left its counter as it was, so it could become
-- pending while the retried dependency had not run yet. This version recomputes, after the reopened
-- jobs are back to blocked / pending, the counter of every blocked 'run' dependent outside the
-- reopened set from its dependencies' statuses (met = completed, or failed / cancelled).
--
-- Locking: those dependents are locked FOR UPDATE together with the reopened jobs, in one id order
-- (two reopens queue in one order). A settler that completes another of their dependencies holds that
-- dependency's row and waits for the dependent's lock before it commits, so while we hold the lock its
-- completion is invisible to us and it decrements our recomputed counter afterwards; one that already
-- decremented has committed, and we see its dependency completed. Either way it counts once.
create or replace function leasehold_workflow_reopen(reopened bigint[], at timestamptz)
returns integer language plpgsql volatile as $$
declare
  family bigint[];
  outside bigint[];
  stale bigint[];
begin
  with recursive d(id) as (
    select unnest(reopened)
    union
    select e.dependent_id from d
      join workflow_edges e on e.job_id = d.id
      join jobs c on c.id = e.dependent_id
     where c.status = 'cancelled' and c.last_error like 'dependency %'
  )
  select array_agg(d.id order by d.id) into family from d;
  if family is null then
    return 0;
  end if;
  select array_agg(distinct e.dependent_id) into outside
    from workflow_edges e join jobs c on c.id = e.dependent_id
   where e.job_id = any(family) and not (e.dependent_id = any(family)) and c.wf_on_dependency_failure = 'run';
  perform 1 from jobs p
   where p.id in (select e.job_id from workflow_edges e where e.dependent_id = any(family))
     and not (p.id = any(family))
   order by p.id
   for share;
  perform 1 from jobs c where c.id = any(family) or c.id = any(coalesce(outside, '{}')) order by c.id for update;
  with u as (
    select c.id,
           (select count(*) from workflow_edges e join jobs p on p.id = e.job_id
             where e.dependent_id = c.id and p.status <> 'completed')::int as unmet
      from jobs c where c.id = any(family)
  )
  update jobs c set
    wf_unmet = u.unmet,
    status = case when u.unmet > 0 then 'blocked'::job_status else 'pending'::job_status end,
    attempts = case when c.status in ('failed', 'cancelled') then 0 else c.attempts end,
    run_at = case when u.unmet > 0 then c.run_at else greatest(c.run_at, at) end,
    completed_at = null,
    last_error = case when c.status = 'cancelled' and c.last_error like 'dependency %' then null else c.last_error end,
    updated_at = at
  from u
  where c.id = u.id;
  if outside is not null then
    update jobs c set
      wf_unmet = (select count(*) from workflow_edges e join jobs p on p.id = e.job_id
                   where e.dependent_id = c.id and p.status not in ('completed', 'failed', 'cancelled'))::int,
      updated_at = at
     where c.id = any(outside) and c.status = 'blocked';
  end if;
  perform pg_notify('leasehold_jobs', q.queue)
     from (select distinct queue::text as queue from jobs where id = any(family) and status = 'pending') q;
  select array_agg(distinct p.id) into stale
    from workflow_edges e join jobs p on p.id = e.job_id
   where e.dependent_id = any(family) and not (p.id = any(family)) and p.status in ('failed', 'cancelled');
  if stale is not null then
    perform leasehold_workflow_settle(stale, at, family);
  end if;
  return cardinality(family);
end
$$;
