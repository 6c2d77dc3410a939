-- wrk script for `cargo xtask bench`: every request files a new claim with its own finished
-- upload and Idempotency-Key, as shoppers do. The uploads (one id per line) are split between
-- wrk's threads; xtask makes more than a run can use (a reused upload would be an error, and
-- wrk counts its errors).
local uploads_file = os.getenv("HC_UPLOADS")
local path = os.getenv("HC_PATH")
local threads = tonumber(os.getenv("HC_THREADS"))
local next_thread = 0

function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  mine = {}
  local n = 0
  for line in io.lines(uploads_file) do
    if n % threads == tid then mine[#mine + 1] = line end
    n = n + 1
  end
  sent = 0
end

function request()
  sent = sent + 1
  local upload = mine[sent] or mine[#mine]
  local body = '{"category":"other","answers":[],"order_number":"10023456",'
    .. '"description":"The lid hinge squeaks loudly since the first week of use.",'
    .. '"email":"wei@example.com","locale":"en","uploads":["' .. upload .. '"]}'
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "bench-" .. tid .. "-" .. sent,
  }, body)
end
