-- SPDX-License-Identifier: MIT
-- wrk script: one simulator-shaped measurement per POST, each with its own
-- (sensor, timestamp) so that every request stores a new point.
local counter = 0
-- Set per thread by setup(); a global, since thread:set writes globals.
thread_id = 0
local next_thread = 0
local base = os.time() - 6 * 86400

function setup(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  counter = 0
end

local function iso(t_us)
  local secs = math.floor(t_us / 1000000)
  local frac = t_us % 1000000
  return os.date("!%Y-%m-%dT%H:%M:%S", secs) .. string.format(".%06dZ", frac)
end

request = function()
  counter = counter + 1
  local t = base * 1000000 + counter * 1000 + thread_id
  local body = string.format(
    '{"sensor_id":"sensor_%03d","timestamp":"%s","temperature":%.1f,"conductivity":%d}',
    counter % 3 + 1, iso(t), 20 + (counter % 100) / 10, 1000 + counter % 2000)
  return wrk.format("POST", "/measurements",
                    {["Content-Type"] = "application/json"}, body)
end

response = function(status, headers, body)
  if status ~= 201 then
    io.stderr:write("status " .. status .. ": " .. body .. "\n")
  end
end
